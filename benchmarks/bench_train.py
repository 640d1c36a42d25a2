"""Training throughput (windows/s through forward + backward + optimiser step) and peak memory of every registered
model on CPU, for 19-channel x 2000-sample windows (10 s at 200 Hz), batch 32; and eegnb's training path against
the plain braindecode way of training the same network on the same windows.

    python benchmarks/bench_train.py [--quick]

Every case runs in a fresh process (`torch.set_num_threads(2)`), warms up, then times at least `min_steps` steps
and `min_seconds`. Memory: the peak resident set size of that process during model building and training
(/proc/self/status VmHWM, reset after the same imports in every case and after data preparation), minus the RSS it had then ("+MiB"); the
absolute peak is in the JSON too.

Cases:
- `supervised/<model>`: `create_model(name, chs_info=10-20, n_times=2000, sfreq=200, n_outputs=2)`, AdamW,
  cross-entropy, on random batches already in memory (no input pipeline: the model's own cost).
- `pretrain/<objective>`: one step of each family's default objective (`create_objective(MODELS[name]["pretrain"],
  model)`): masked_reconstruction (eeg_foundation), signal_jepa (signal_jepa, with its EMA target update), and for
  labram both phases: labram_tokenizer (VQ-NSP) and labram_mem, given a tokenizer that first took a few
  tokenizer-objective steps on random data (LabramMEM refuses a tokenizer whose codebook is uninitialised).
- `compare/<model>/...` for shallow_fbcsp and eegnetv4, the same number of batches from the same windows (a
  `synthetic_store`), input pipeline included on every side:
  `eegnb`: `FinetuneTask` under a Lightning `Trainer` (CPU, 32-bit, no logger, checkpoint or progress bar) fed by
  `montage_loader(TrainWindows(store), 32, shuffle=True)`; `braindecode`: braindecode's `EEGClassifier` (skorch)
  fitting the bare braindecode network on the windows as in-memory arrays; `torch`: a plain PyTorch loop on the bare
  network over a shuffled `DataLoader(TensorDataset)` in memory (what EEGClassifier does underneath). Ratios are
  eegnb / braindecode and eegnb / torch windows per second (>1: eegnb faster). Each comparison side runs `rounds`
  times, interleaved; the best round counts (the machine is shared).

Writes benchmarks/results/train.json (not with --quick, a smoke run of a few steps); the summary line is last.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from common import write_result

BATCH, N_CHANS, N_TIMES, SFREQ = 32, 19, 2000, 200.0
PRETRAIN_OF = {"eeg_foundation": "masked_reconstruction", "signal_jepa": "signal_jepa", "labram": "labram_tokenizer"}
COMPARE = ("shallow_fbcsp", "eegnetv4")
MIB = 1024 ** 2


# ----------------------------------------------------------------------------------------------------- child side
def _status(key: str) -> int | None:
    try:
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class Memory:
    "Peak RSS from here on: resets the kernel's high-water mark (clear_refs 5) when it can, else ru_maxrss."
    def __init__(self):
        import resource
        gc.collect()
        self.reset = False
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.reset = True
        except OSError:
            pass
        self.base = _status("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def peak(self) -> dict:
        import resource
        hwm = _status("VmHWM") if self.reset else None
        peak = hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return {"base_rss_mib": self.base / MIB, "peak_rss_mib": peak / MIB, "peak_increase_mib": (peak - self.base) / MIB,
                "hwm_reset": self.reset}


def _random_batches(n: int = 4):
    import torch
    from eegnb.models.base import electrode_positions
    from eegnb.preprocess.channels import STANDARD_1020
    g = torch.Generator().manual_seed(0)
    pos = torch.from_numpy(electrode_positions(STANDARD_1020))
    return [{"x": 20 * torch.randn(BATCH, N_CHANS, N_TIMES, generator=g), "chan_mask": torch.ones(BATCH, N_CHANS, dtype=torch.bool),
             "pos": pos, "y": torch.randint(0, 2, (BATCH,), generator=g)} for _ in range(n)]


def _timed_loop(step, batches, warmup: int, min_steps: int, min_seconds: float) -> dict:
    for i in range(warmup):
        step(batches[i % len(batches)])
    t0, n = time.perf_counter(), 0
    while n < min_steps or time.perf_counter() - t0 < min_seconds:
        step(batches[n % len(batches)])
        n += 1
    dt = time.perf_counter() - t0
    return {"steps": n, "seconds": dt, "windows_per_s": n * BATCH / dt, "s_per_step": dt / n}


def _model(name: str):
    from eegnb.models.base import chs_info_from_names, create_model
    from eegnb.preprocess.channels import STANDARD_1020
    return create_model(name, chs_info=chs_info_from_names(STANDARD_1020), n_times=N_TIMES, sfreq=SFREQ, n_outputs=2)


def case_supervised(spec: dict) -> dict:
    import torch
    import torch.nn.functional as F
    from eegnb.train.phases import model_inputs
    batches = _random_batches()
    mem = Memory()
    model = _model(spec["model"]).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)

    def step(b):
        loss = F.cross_entropy(model(**model_inputs(model, b)), b["y"])
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()

    out = _timed_loop(step, batches, spec["warmup"], spec["min_steps"], spec["min_seconds"])
    return {**out, **mem.peak(), "params": sum(p.numel() for p in model.parameters())}


def _tokenizer_steps(tok_obj, batches, n: int) -> None:
    import torch
    opt = torch.optim.AdamW([p for p in tok_obj.parameters() if p.requires_grad], lr=1e-3)
    tok_obj.train()
    for i in range(n):
        loss = tok_obj(batches[i % len(batches)])["loss"]
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()


def case_pretrain(spec: dict) -> dict:
    import torch
    from eegnb.models.base import MODELS, create_objective
    batches = _random_batches()
    extra = {}
    if spec["objective"] == "labram_mem":
        # MEM needs a trained tokenizer: a few tokenizer-objective steps on random data (k-means-initialises the
        # codebook); its memory and time are outside the measurement, the frozen tokenizer itself is inside.
        tok_obj = create_objective("labram_tokenizer", _model("labram"))
        _tokenizer_steps(tok_obj, batches, spec["tokenizer_steps"])
        tokenizer = tok_obj.encoder
        del tok_obj
        extra["tokenizer_steps"] = spec["tokenizer_steps"]
        mem = Memory()
        model = _model("labram")
        obj = create_objective("labram_mem", model, tokenizer=tokenizer)
    else:
        mem = Memory()
        model = _model(spec["model"])
        name = spec["objective"]
        assert name == MODELS[spec["model"]]["pretrain"] or (spec["model"], name) == ("labram", "labram_tokenizer")
        obj = create_objective(name, model)
    obj.train()
    params = [p for p in obj.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.05)
    hook = getattr(obj, "on_after_step", None)
    k = [0]

    def step(b):
        loss = obj(b)["loss"]
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        if hook is not None: hook(k[0], 1000)
        k[0] += 1

    out = _timed_loop(step, batches, spec["warmup"], spec["min_steps"], spec["min_seconds"])
    return {**out, **mem.peak(), **extra, "trainable_params": sum(p.numel() for p in params)}


class _BatchClock:
    "perf_counter at the end of each training batch."
    def __init__(self): self.t: list[float] = []
    def rate(self, warmup: int) -> dict:
        n = len(self.t) - warmup
        dt = self.t[-1] - self.t[warmup - 1]
        return {"steps": n, "seconds": dt, "windows_per_s": n * BATCH / dt, "s_per_step": dt / n}


def _bare_net(name: str):
    "The braindecode network eegnb wraps, with the same keyword arguments (final_layer included)."
    from eegnb.models.base import MODELS, chs_info_from_names, _load_all
    from eegnb.preprocess.channels import STANDARD_1020
    _load_all()
    cls = MODELS[name]["cls"]
    return cls.model_cls(n_chans=N_CHANS, n_outputs=2, n_times=N_TIMES, sfreq=SFREQ,
                         chs_info=chs_info_from_names(STANDARD_1020), **cls.default_kw)


def case_compare(spec: dict) -> dict:
    import numpy as np
    import torch
    from eegnb.store import open_store
    n_batches, warmup, side = spec["warmup"] + spec["steps"], spec["warmup"], spec["side"]
    store = open_store(spec["store"])
    clock = _BatchClock()
    t_start = None
    if side == "eegnb":
        from lightning.pytorch import Callback, Trainer
        from eegnb.train.data import TrainWindows, montage_loader
        from eegnb.train.phases import FinetuneTask
        ds = TrainWindows(store, label="label")
        assert len(ds) >= n_batches * BATCH, (len(ds), n_batches)

        class Clock(Callback):
            def on_train_batch_end(self, *a, **k): clock.t.append(time.perf_counter())

        mem = Memory()
        t_start = time.perf_counter()
        task = FinetuneTask(_model(spec["model"]))
        trainer = Trainer(accelerator="cpu", devices=1, precision="32-true", logger=False, enable_checkpointing=False,
                          enable_progress_bar=False, enable_model_summary=False, max_steps=n_batches,
                          callbacks=[Clock()])
        trainer.fit(task, montage_loader(ds, BATCH, shuffle=True))
    else:
        x = store.read(np.arange(n_batches * BATCH))
        y = np.arange(n_batches * BATCH) % 2                        # the store alternates classes per window
        x = np.ascontiguousarray(x, dtype=np.float32)
        if side == "braindecode":
            from braindecode import EEGClassifier
            from skorch.callbacks import Callback

            class Clock(Callback):
                def on_batch_end(self, net, batch=None, training=None, **kw):
                    if training: clock.t.append(time.perf_counter())

            mem = Memory()
            t_start = time.perf_counter()
            clf = EEGClassifier(_bare_net(spec["model"]), criterion=torch.nn.CrossEntropyLoss,
                                optimizer=torch.optim.AdamW, optimizer__lr=1e-3, optimizer__weight_decay=0.05,
                                train_split=None, batch_size=BATCH, max_epochs=1, iterator_train__shuffle=True,
                                callbacks=[("clock", Clock())], device="cpu", verbose=0)
            clf.fit(x, y.astype(np.int64))
        else:                                                       # side == "torch": the plain loop
            from torch.utils.data import DataLoader, TensorDataset
            data = TensorDataset(torch.from_numpy(x), torch.from_numpy(y.astype(np.int64)))
            mem = Memory()
            t_start = time.perf_counter()
            net = _bare_net(spec["model"]).train()
            opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.05)
            for xb, yb in DataLoader(data, batch_size=BATCH, shuffle=True):
                loss = torch.nn.functional.cross_entropy(net(xb), yb)
                opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
                clock.t.append(time.perf_counter())
    wall = time.perf_counter() - t_start
    assert len(clock.t) == n_batches, (side, len(clock.t), n_batches)
    return {**clock.rate(warmup), **mem.peak(), "fit_wall_s": wall, "first_batch_s": clock.t[0] - t_start}


def child(spec: dict) -> None:
    warnings.simplefilter("ignore")
    import logging
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    import torch
    torch.set_num_threads(2)
    torch.manual_seed(0)
    # The same imports in every case, before the memory baseline, so that no side pays for them inside it.
    import braindecode.models, lightning.pytorch, skorch  # noqa: F401
    from braindecode import EEGClassifier  # noqa: F401
    import eegnb.models, eegnb.pretrain, eegnb.train  # noqa: F401
    out = {"supervised": case_supervised, "pretrain": case_pretrain, "compare": case_compare}[spec["kind"]](spec)
    out["threads"] = torch.get_num_threads()
    print(json.dumps(out))


# ---------------------------------------------------------------------------------------------------- parent side
def run_case(spec: dict) -> dict:
    t0, load = time.perf_counter(), os.getloadavg()[0]
    p = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                       cwd=Path(__file__).parent)
    if p.returncode:
        raise RuntimeError(f"{spec}: {p.stderr[-3000:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["process_s"], out["loadavg_1min_start"], out["loadavg_1min_end"] = time.perf_counter() - t0, load, os.getloadavg()[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smoke run: few steps, 1 comparison round")
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        return child(json.loads(a.child))
    warnings.simplefilter("ignore")
    t_all = time.perf_counter()
    load0 = os.getloadavg()
    if a.quick:
        timing = {"warmup": 1, "min_steps": 2, "min_seconds": 0.0}
        cmp_warmup, cmp_steps, rounds, tok_steps = 1, 3, 1, 2
    else:
        timing = {"warmup": 3, "min_steps": 10, "min_seconds": 4.0}
        cmp_warmup, cmp_steps, rounds, tok_steps = 3, 40, 2, 5
    from eegnb.models.base import list_models
    from eegnb.train.data import synthetic_store
    models = list(list_models().index)
    # Supervised and pretraining steps on in-memory random batches.
    rows = {}
    specs = [(f"supervised/{m}", {"kind": "supervised", "model": m}) for m in models]
    specs += [(f"pretrain/{o} ({m})", {"kind": "pretrain", "model": m, "objective": o}) for m, o in PRETRAIN_OF.items()]
    specs += [("pretrain/labram_mem (labram)", {"kind": "pretrain", "model": "labram", "objective": "labram_mem",
                                               "tokenizer_steps": tok_steps})]
    for name, spec in specs:
        r = run_case({**spec, **timing})
        rows[name] = r
        print(f"{name:44s} {r['windows_per_s']:8.1f} windows/s  {1000 * r['s_per_step']:7.1f} ms/step  "
              f"peak +{r['peak_increase_mib']:6.0f} MiB (RSS {r['peak_rss_mib']:.0f})  {r['steps']} steps  load {r['loadavg_1min_start']:.1f}",
              flush=True)
    # The comparison: same windows, same number of batches, input pipeline included.
    n_batches = cmp_warmup + cmp_steps
    n_subjects = 4
    per_subject = -(-n_batches * BATCH // n_subjects)
    store_dir = Path(tempfile.mkdtemp(prefix="eegnb-bench-train-"))
    synthetic_store(str(store_dir / "store"), n_subjects=n_subjects, n_windows=per_subject, sfreq=SFREQ,
                    n_times=N_TIMES)
    compare = {}
    for m in COMPARE:
        res = {side: [] for side in ("eegnb", "braindecode", "torch")}
        for k in range(rounds):
            for side in res:
                r = run_case({"kind": "compare", "model": m, "side": side, "store": str(store_dir / "store"),
                              "warmup": cmp_warmup, "steps": cmp_steps})
                res[side].append(r)
                print(f"{f'compare/{m}/{side} (round {k + 1})':44s} {r['windows_per_s']:8.1f} windows/s  "
                      f"{1000 * r['s_per_step']:7.1f} ms/step  peak +{r['peak_increase_mib']:6.0f} MiB "
                      f"(RSS {r['peak_rss_mib']:.0f})  fit {r['fit_wall_s']:.1f} s, first batch after "
                      f"{r['first_batch_s']:.2f} s  load {r['loadavg_1min_start']:.1f}", flush=True)
        best = {side: max(v, key=lambda r: r["windows_per_s"]) for side, v in res.items()}
        compare[m] = {"rounds": res, "best": best,
                      "ratio_eegnb_over_braindecode": best["eegnb"]["windows_per_s"] / best["braindecode"]["windows_per_s"],
                      "ratio_eegnb_over_torch": best["eegnb"]["windows_per_s"] / best["torch"]["windows_per_s"],
                      "ratio_braindecode_over_torch": best["braindecode"]["windows_per_s"] / best["torch"]["windows_per_s"]}
        for side in res:
            rows[f"compare/{m}/{side}"] = best[side]
    import shutil
    shutil.rmtree(store_dir, ignore_errors=True)
    load1 = os.getloadavg()
    run_s = time.perf_counter() - t_all
    figures = {"batch": BATCH, "window": [N_CHANS, N_TIMES], "sfreq": SFREQ, "torch_threads": 2, "quick": a.quick,
               "timing": timing, "compare_batches": {"warmup": cmp_warmup, "timed": cmp_steps, "rounds": rounds,
                                                     "store_windows": n_subjects * per_subject},
               "cases": rows, "compare": compare,
               "loadavg_start": load0, "loadavg_end": load1, "run_s": run_s}
    sup = ", ".join(f"{m} {rows[f'supervised/{m}']['windows_per_s']:.0f} (+{rows[f'supervised/{m}']['peak_increase_mib']:.0f})"
                    for m in models)
    pre = ", ".join(f"{n.split('/')[1].split(' ')[0]} {r['windows_per_s']:.0f} (+{r['peak_increase_mib']:.0f})"
                    for n, r in rows.items() if n.startswith("pretrain/"))
    cmp_txt = "; ".join(f"{m} eegnb {c['best']['eegnb']['windows_per_s']:.0f} vs EEGClassifier "
                        f"{c['best']['braindecode']['windows_per_s']:.0f} = {c['ratio_eegnb_over_braindecode']:.2f}x "
                        f"(vs plain torch loop {c['ratio_eegnb_over_torch']:.2f}x)" for m, c in compare.items())
    summary = (f"train: CPU windows/s (peak +MiB), {N_CHANS}x{N_TIMES} windows, batch {BATCH}, 2 threads"
               f"{' [QUICK]' if a.quick else ''}; supervised: {sup}; pretrain: {pre}; Lightning+store vs braindecode: "
               f"{cmp_txt}; load avg {load0[0]:.1f}->{load1[0]:.1f}, {run_s:.0f} s")
    if a.quick:
        print(summary)                                  # a smoke run leaves the full run's results alone
    else:
        write_result("train", figures, summary)


if __name__ == "__main__":
    main()
