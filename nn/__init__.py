"""tapegrad's neural-network layer: ``Module``, layers, losses, initialisers, utilities.

Names, arguments, defaults, parameter names and initialisations follow
``torch.nn``, so code ports by changing imports (``import torch.nn as nn`` ->
``import nn``) and PyTorch state_dicts converted to arrays load.

>>> import autograd_core as ag, nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> model(ag.randn(3, 4)).shape
torch.Size([3, 2])
"""

from nn import functional, init, utils  # noqa: F401
from nn.containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: F401
from nn.module import Module  # noqa: F401
from nn.modules import *  # noqa: F401,F403
from nn.parameter import Buffer, Parameter  # noqa: F401
