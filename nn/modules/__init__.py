"""Layers, one file per family; each file lists its public names in ``__all__``."""

from nn.modules.activation import *  # noqa: F401,F403
from nn.modules.adaptive import *  # noqa: F401,F403
from nn.modules.attention import *  # noqa: F401,F403
from nn.modules.conv import *  # noqa: F401,F403
from nn.modules.dropout import *  # noqa: F401,F403
from nn.modules.linear import *  # noqa: F401,F403
from nn.modules.loss import *  # noqa: F401,F403
from nn.modules.normalization import *  # noqa: F401,F403
from nn.modules.padding import *  # noqa: F401,F403
from nn.modules.pooling import *  # noqa: F401,F403
from nn.modules.rnn import *  # noqa: F401,F403
from nn.modules.sparse import *  # noqa: F401,F403
from nn.modules.stack import *  # noqa: F401,F403
from nn.modules.transformer import *  # noqa: F401,F403
