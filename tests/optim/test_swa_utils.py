"""``optim.swa_utils`` against ``torch.optim.swa_utils``: averaged weights and buffers, SWALR's rates, update_bn's
statistics, on the same weights and data; and the strict (NumPy-refusing) device."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from optim import swa_utils
from tests.helpers.strict_backend import DEVICE as STRICT
from tests.helpers.strict_backend import StrictArray
from tests.optim._cases import host

torch = pytest.importorskip("torch")
tsu = torch.optim.swa_utils

RTOL, ATOL = 1e-12, 1e-14


def torch_model():
    return torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
    ).double()


def our_model(theirs):
    """Our copy of ``theirs``, weights and buffers included."""
    ours = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours


def random_state(theirs, rng) -> dict[str, np.ndarray]:
    """New values for every parameter and buffer: the running variances positive, the batch counts integers."""
    out = {}
    for k, v in theirs.state_dict().items():
        if k.endswith("num_batches_tracked"):
            out[k] = np.asarray(rng.integers(0, 50), dtype=np.int64)
        elif k.endswith("running_var"):
            out[k] = rng.uniform(0.5, 2.0, tuple(v.shape))
        else:
            out[k] = rng.standard_normal(tuple(v.shape))
    return out


def set_state(ours, theirs, values) -> None:
    ours.load_state_dict(values)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in values.items()})


def assert_state_dicts_match(ours, theirs) -> None:
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for k in b:
        x, y = host(a[k]), b[k].detach().numpy()
        assert x.dtype == y.dtype, k
        np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL, err_msg=k)


# (id, keyword arguments for both libraries, made fresh per test)
AVERAGING = [
    ("swa-default", lambda su: {}),
    ("swa-avg_fn", lambda su: dict(avg_fn=su.get_swa_avg_fn())),
    ("ema-avg_fn", lambda su: dict(avg_fn=su.get_ema_avg_fn(0.9))),
    ("ema-multi_avg_fn", lambda su: dict(multi_avg_fn=su.get_ema_multi_avg_fn(0.9))),
    ("ema-multi_avg_fn-low-decay", lambda su: dict(multi_avg_fn=su.get_ema_multi_avg_fn(0.3))),
    ("swa-multi_avg_fn", lambda su: dict(multi_avg_fn=su.get_swa_multi_avg_fn())),
]


@pytest.mark.parametrize("use_buffers", [False, True], ids=["buffers-copied", "buffers-averaged"])
@pytest.mark.parametrize("name,kw", AVERAGING, ids=[a[0] for a in AVERAGING])
def test_averaged_weights_and_buffers_match_pytorch(name, kw, use_buffers):
    rng = np.random.default_rng(0)
    theirs = torch_model()
    ours = our_model(theirs)
    t_avg = tsu.AveragedModel(theirs, use_buffers=use_buffers, **kw(tsu))
    o_avg = swa_utils.AveragedModel(ours, use_buffers=use_buffers, **kw(swa_utils))
    if name == "swa-multi_avg_fn" and use_buffers:
        # Both refuse to lerp BatchNorm's int64 num_batches_tracked (from the second update on).
        t_avg.update_parameters(theirs)
        o_avg.update_parameters(ours)
        with pytest.raises(RuntimeError):
            t_avg.update_parameters(theirs)
        with pytest.raises(RuntimeError, match="int64"):
            o_avg.update_parameters(ours)
        return
    for _ in range(5):
        set_state(ours, theirs, random_state(theirs, rng))
        t_avg.update_parameters(theirs)
        o_avg.update_parameters(ours)
        assert_state_dicts_match(o_avg, t_avg)
    assert int(o_avg.n_averaged) == 5 and o_avg.n_averaged.dtype == ag.int64


def test_the_default_average_on_cuda_takes_pytorchs_multi_tensor_path(monkeypatch):
    """On CUDA PyTorch's default update is get_swa_multi_avg_fn's lerp (float32 weight 1/(n+1)), not the
    CPU formula.  Declaring the CPU such a device here must give that path's results."""
    monkeypatch.setattr(swa_utils, "_MULTI_TENSOR_DEVICES", ("cpu",))
    rng = np.random.default_rng(8)
    theirs = torch_model()
    ours = our_model(theirs)
    t_avg = tsu.AveragedModel(theirs, multi_avg_fn=tsu.get_swa_multi_avg_fn())
    o_avg = swa_utils.AveragedModel(ours)
    for _ in range(4):
        set_state(ours, theirs, random_state(theirs, rng))
        t_avg.update_parameters(theirs)
        o_avg.update_parameters(ours)
    assert_state_dicts_match(o_avg, t_avg)


def test_the_equal_weight_average_is_the_mean_of_the_snapshots():
    """Independent of PyTorch: after k updates each averaged parameter is the mean of the k values seen."""
    rng = np.random.default_rng(1)
    model = nn.Linear(3, 2).double()
    avg = swa_utils.AveragedModel(model)
    seen = []
    for _ in range(4):
        values = {"weight": rng.standard_normal((2, 3)), "bias": rng.standard_normal(2)}
        model.load_state_dict(values)
        seen.append(values)
        avg.update_parameters(model)
    np.testing.assert_allclose(host(avg.module.weight), np.mean([v["weight"] for v in seen], 0), rtol=1e-14)
    np.testing.assert_allclose(host(avg.module.bias), np.mean([v["bias"] for v in seen], 0), rtol=1e-14)


def test_the_first_update_copies_and_the_copy_is_independent():
    model = nn.Linear(2, 2).double()
    avg = swa_utils.AveragedModel(model)
    assert avg.module is not model and avg.module.weight is not model.weight
    assert isinstance(avg.module.weight, nn.Parameter) and avg.module.weight.requires_grad
    with ag.no_grad():
        model.weight.fill_(3.0)
    avg.update_parameters(model)
    assert np.array_equal(host(avg.module.weight), np.full((2, 2), 3.0))
    with ag.no_grad():
        model.weight.fill_(5.0)  # the average holds its own storage
    assert np.array_equal(host(avg.module.weight), np.full((2, 2), 3.0))
    x = ag.randn(4, 2, dtype=ag.float64)
    assert np.array_equal(host(avg(x)), host(avg.module(x)))


def test_avg_fn_is_given_the_count_of_models_already_averaged():
    counts = []

    def avg_fn(averaged, current, num_averaged):
        counts.append(int(num_averaged))
        return current

    model = nn.Linear(1, 1)
    avg = swa_utils.AveragedModel(model, avg_fn=avg_fn)
    for _ in range(3):
        avg.update_parameters(model)
    assert counts == [1, 1, 2, 2]  # weight and bias, from the second update on


def test_a_pytorch_averaged_state_dict_loads_and_resumes():
    rng = np.random.default_rng(2)
    theirs = torch_model()
    ours = our_model(theirs)
    t_avg = tsu.AveragedModel(theirs)
    for _ in range(3):
        set_state(ours, theirs, random_state(theirs, rng))
        t_avg.update_parameters(theirs)
    o_avg = swa_utils.AveragedModel(ours)
    o_avg.load_state_dict({k: v.detach().numpy() for k, v in t_avg.state_dict().items()})
    assert int(o_avg.n_averaged) == 3
    for _ in range(2):
        set_state(ours, theirs, random_state(theirs, rng))
        t_avg.update_parameters(theirs)
        o_avg.update_parameters(ours)
    assert_state_dicts_match(o_avg, t_avg)


def test_bad_arguments_raise_pytorchs_errors():
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(nn.Linear(1, 1), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())  # fmt: skip
    for make in ("get_ema_avg_fn", "get_ema_multi_avg_fn"):
        for decay in (-0.1, 1.5):
            with pytest.raises(ValueError) as theirs:
                getattr(tsu, make)(decay)
            with pytest.raises(ValueError) as ours:
                getattr(swa_utils, make)(decay)
            assert str(ours.value) == str(theirs.value)


def test_the_averaged_model_can_live_on_another_device():
    """``device=STRICT``: the copy and its counter move there; updates from a CPU model give the CPU results."""
    rng = np.random.default_rng(3)
    theirs = torch_model()
    cpu_model = our_model(theirs)
    on_strict = swa_utils.AveragedModel(cpu_model, device=STRICT, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.8))
    on_cpu = swa_utils.AveragedModel(cpu_model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.8))
    assert isinstance(on_strict.n_averaged._data, StrictArray)
    assert all(isinstance(t._data, StrictArray) for t in on_strict.module.state_dict().values())
    for _ in range(3):
        cpu_model.load_state_dict(random_state(theirs, rng))
        on_strict.update_parameters(cpu_model)
        on_cpu.update_parameters(cpu_model)
    a, b = on_strict.state_dict(), on_cpu.state_dict()
    for k in b:
        assert isinstance(a[k]._data, StrictArray), k
        assert np.array_equal(host(a[k]), host(b[k])), k
    x = ag.tensor(rng.standard_normal((5, 3)))
    on_cpu.eval(), on_strict.eval()
    np.testing.assert_allclose(host(on_strict(x.to(STRICT))), host(on_cpu(x)), rtol=1e-14)


def test_the_default_average_on_the_strict_device_gives_cpu_results():
    rng = np.random.default_rng(4)
    theirs = torch_model()
    cpu_model, strict_model = our_model(theirs), our_model(theirs).to(STRICT)
    avgs = [swa_utils.AveragedModel(m, use_buffers=True) for m in (cpu_model, strict_model)]
    for _ in range(3):
        values = random_state(theirs, rng)
        cpu_model.load_state_dict(values)
        strict_model.load_state_dict(values)
        avgs[0].update_parameters(cpu_model)
        avgs[1].update_parameters(strict_model)
    a, b = avgs[1].state_dict(), avgs[0].state_dict()
    assert a["n_averaged"].device.type == "cpu"  # without device=, the counter stays on the CPU (as PyTorch's)
    for k in b:
        assert k == "n_averaged" or isinstance(a[k]._data, StrictArray), k
        assert np.array_equal(host(a[k]), host(b[k])), k


# ----------------------------------------------------------------------------- SWALR
def _sgd_pair(lrs=(0.5, 0.05)):
    ours = [ag.zeros(1, requires_grad=True) for _ in lrs]
    theirs = [torch.zeros(1, requires_grad=True) for _ in lrs]
    groups = lambda ps: [{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)]  # noqa: E731
    return optim.SGD(groups(ours), lr=1.0), torch.optim.SGD(groups(theirs), lr=1.0)


@pytest.mark.parametrize("anneal_epochs", [0, 1, 3, 10])
@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_swalr_rates_match_pytorch_every_step(strategy, anneal_epochs):
    opt, topt = _sgd_pair()
    kw = dict(swa_lr=[0.01, 0.2], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    sched, tsched = swa_utils.SWALR(opt, **kw), tsu.SWALR(topt, **kw)
    assert sched.get_last_lr() == tsched.get_last_lr()
    for _ in range(14):
        opt.step(), topt.step()
        sched.step(), tsched.step()
        assert sched.get_last_lr() == tsched.get_last_lr()
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
    assert [g["swa_lr"] for g in opt.param_groups] == [0.01, 0.2]
    assert sched.get_last_lr() == pytest.approx([0.01, 0.2], rel=1e-12)


def test_swalr_after_another_scheduler_matches_pytorch():
    """PyTorch's recipe: a decaying schedule first, then SWALR anneals from wherever it left the rate."""
    opt, topt = _sgd_pair((0.1,))
    first = optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.9)
    tfirst = torch.optim.lr_scheduler.MultiplicativeLR(topt, lambda epoch: 0.9)
    swa, tswa = (
        swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=4, anneal_strategy="linear"),
        tsu.SWALR(topt, swa_lr=0.05, anneal_epochs=4, anneal_strategy="linear"),
    )
    for epoch in range(12):
        opt.step(), topt.step()
        if epoch > 5:
            swa.step(), tswa.step()
        else:
            first.step(), tfirst.step()
        assert opt.param_groups[0]["lr"] == topt.param_groups[0]["lr"], epoch


def test_swalr_state_dict_round_trip():
    opt, _ = _sgd_pair()
    sched = swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=5, anneal_strategy="linear")
    for _ in range(2):
        opt.step(), sched.step()
    sd = sched.state_dict()
    assert "anneal_func" not in sd and "optimizer" not in sd and sd["_anneal_strategy"] == "linear"
    expected = []
    for _ in range(4):
        opt.step(), sched.step()
        expected.append(sched.get_last_lr())
    opt2, _ = _sgd_pair()
    for g, lr in zip(opt2.param_groups, sd["_last_lr"]):
        g["lr"] = lr
    other = swa_utils.SWALR(opt2, swa_lr=0.05, anneal_epochs=5, anneal_strategy="cos")
    other.load_state_dict(sd)
    assert other.anneal_func is other._linear_anneal
    got = []
    for _ in range(4):
        opt2.step(), other.step()
        got.append(other.get_last_lr())
    assert got == expected


@pytest.mark.parametrize(
    "kw",
    [
        dict(swa_lr=0.1, anneal_strategy="exp"),
        dict(swa_lr=0.1, anneal_epochs=-1),
        dict(swa_lr=0.1, anneal_epochs=2.5),
        dict(swa_lr=[0.1, 0.2, 0.3]),
    ],
    ids=["strategy", "negative-epochs", "float-epochs", "swa_lr-length"],
)
def test_swalr_bad_arguments_raise_pytorchs_errors(kw):
    opt, topt = _sgd_pair()
    with pytest.raises(ValueError) as theirs:
        tsu.SWALR(topt, **kw)
    with pytest.raises(ValueError) as ours:
        swa_utils.SWALR(opt, **kw)
    assert str(ours.value) == str(theirs.value)


def test_swalr_get_lr_outside_step_warns():
    opt, _ = _sgd_pair()
    sched = swa_utils.SWALR(opt, swa_lr=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched.get_lr()
    assert any("get_last_lr()" in str(w.message) for w in caught)


# ----------------------------------------------------------------------------- update_bn
def _bn_models():
    """Linear over the last dimension, then BatchNorm over 4 channels of length 5, and an InstanceNorm with
    running stats: PyTorch's update_bn leaves InstanceNorm alone (not a _BatchNorm there)."""
    theirs = torch.nn.Sequential(
        torch.nn.Linear(5, 5), torch.nn.BatchNorm1d(4, momentum=0.3), torch.nn.ReLU(),
        torch.nn.InstanceNorm1d(4, track_running_stats=True),
    ).double()  # fmt: skip
    ours = nn.Sequential(
        nn.Linear(5, 5), nn.BatchNorm1d(4, momentum=0.3), nn.ReLU(),
        nn.InstanceNorm1d(4, track_running_stats=True),
    ).double()  # fmt: skip
    values = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    values["3.running_mean"] = np.arange(4.0)  # not the reset values: update_bn must not reset them
    values["3.num_batches_tracked"] = np.asarray(7)
    ours.load_state_dict(values)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in values.items()})
    return ours, theirs


@pytest.mark.parametrize("as_pairs", [True, False], ids=["(input, target) batches", "tensor batches"])
def test_update_bn_recomputes_running_stats_as_pytorch(as_pairs):
    rng = np.random.default_rng(5)
    ours, theirs = _bn_models()
    batches = [rng.standard_normal((n, 4, 5)) * 2 + 1 for n in (8, 5, 11)]
    ours.eval(), theirs.eval()
    if as_pairs:
        loader = [(ag.tensor(b), ag.zeros(len(b))) for b in batches]
        tloader = [(torch.tensor(b), torch.zeros(len(b))) for b in batches]
    else:
        loader, tloader = [ag.tensor(b) for b in batches], [torch.tensor(b) for b in batches]
    swa_utils.update_bn(loader, ours)
    tsu.update_bn(tloader, theirs)
    assert_state_dicts_match(ours, theirs)
    assert int(ours[1].num_batches_tracked) == 3
    assert ours[1].momentum == 0.3 and not ours.training and not ours[1].training
    assert ours[3].momentum == 0.1 and int(ours[3].num_batches_tracked) == 7  # InstanceNorm: not reset
    # the cumulative average over the batches is the mean of the per-batch means (momentum=None)
    with ag.no_grad():
        means = [host(ours[0](ag.tensor(b))).mean((0, 2)) for b in batches]
    np.testing.assert_allclose(host(ours[1].running_mean), np.mean(means, 0), rtol=1e-12)


def test_update_bn_keeps_training_mode_and_skips_models_without_batchnorm():
    ours, _ = _bn_models()
    ours.train()
    swa_utils.update_bn([ag.randn(2, 4, 5, dtype=ag.float64)], ours)
    assert ours.training
    plain = nn.Linear(3, 2)
    plain.eval()
    swa_utils.update_bn([ag.randn(4, 3)], plain)  # nothing to update: the model isn't even called
    assert not plain.training


def test_update_bn_moves_batches_to_the_device():
    rng = np.random.default_rng(6)
    cpu_model, _ = _bn_models()
    strict_model, _ = _bn_models()
    strict_model.load_state_dict({k: host(v) for k, v in cpu_model.state_dict().items()})
    strict_model.to(STRICT)
    batches = [ag.tensor(rng.standard_normal((6, 4, 5))) for _ in range(2)]
    swa_utils.update_bn(batches, strict_model, device=STRICT)
    swa_utils.update_bn(batches, cpu_model)
    assert isinstance(strict_model[1].running_mean._data, StrictArray)
    for k, v in cpu_model.state_dict().items():
        np.testing.assert_allclose(host(strict_model.state_dict()[k]), host(v), rtol=1e-14, err_msg=k)
