"""``nn.functional`` (import it as ``F``): the functional form of every layer, and the losses.

Each family lives in its own file; every function here is composed from
``autograd_core`` ops (no backward rules, no NumPy on tensor data).
"""

from nn.functional._activation import *  # noqa: F401,F403
from nn.functional._attention import *  # noqa: F401,F403
from nn.functional._conv import *  # noqa: F401,F403
from nn.functional._dropout import *  # noqa: F401,F403
from nn.functional._linear import *  # noqa: F401,F403
from nn.functional._loss import *  # noqa: F401,F403
from nn.functional._normalization import *  # noqa: F401,F403
from nn.functional._pooling import *  # noqa: F401,F403
from nn.functional._rnn import *  # noqa: F401,F403
from nn.functional._sparse import *  # noqa: F401,F403
from nn.functional._stack import *  # noqa: F401,F403
from nn.functional._vision import *  # noqa: F401,F403
