"""File-format writers for the SYNTHETIC benchmark corpus (`make_corpus.py`): a streaming EDF/EDF+ writer,
seeded synthetic signals, and the TUH `.csv`/`.csv_bi` label text.

Nothing here is EEG data. The signals are seeded noise (1/f-like plus a 10-Hz rhythm) that exist only to give
the loaders and the memory/scale benchmarks files of the real size and layout. Every header written here says
SYNTHETIC.

The EDF writer streams: the header is written first, then data records a chunk at a time, so a 72-hour,
40-channel, 512-Hz file (about 10 GB) never has to be held in memory. It is benchmark tooling, not library code.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SYNTHETIC_TAG = "SYNTHETIC-NOT-EEG"
"Written into every EDF header's patient and recording fields (and the label files' comments)."


# --------------------------------------------------------------------------------------------------------------
# EDF / EDF+ writer
# --------------------------------------------------------------------------------------------------------------
@dataclass
class Signal:
    """One EDF signal: `spr` samples per data record; physical range in `unit`; 16-bit digital range."""
    label: str
    spr: int
    unit: str = "uV"
    phys_min: float = -5000.0
    phys_max: float = 5000.0
    dig_min: int = -32767
    dig_max: int = 32767
    transducer: str = ""
    prefilter: str = ""

    def to_digital(self, x: np.ndarray) -> np.ndarray:
        "Physical values (in `unit`) -> int16 digital values, clipped to the digital range."
        gain = (self.phys_max - self.phys_min) / (self.dig_max - self.dig_min)
        d = np.round((np.asarray(x, dtype=np.float64) - self.phys_min) / gain + self.dig_min)
        return np.clip(d, self.dig_min, self.dig_max).astype("<i2")


def _field(v, width: int) -> bytes:
    "An EDF header field: ASCII, left-justified, space-padded to `width` (refuses values that do not fit)."
    s = v if isinstance(v, str) else (f"{v:g}" if isinstance(v, float) else str(v))
    if len(s) > width: raise ValueError(f"EDF header field {s!r} is longer than {width} characters.")
    return s.ljust(width).encode("ascii")


def _num(v: float, width: int = 8) -> str:
    "A number in at most `width` characters (EDF physical min/max are 8-character text)."
    for digits in range(width, 0, -1):
        s = f"{v:.{digits}g}"
        if len(s) <= width: return s
    raise ValueError(v)


def _sec(v: float) -> str:
    "Seconds as EDF+ TAL text: decimal, no exponent, at most 4 decimals (0.1 ms)."
    return f"{v:.4f}".rstrip("0").rstrip(".")


def _tal(onset: float, duration: float | None, texts: Sequence[str]) -> bytes:
    """An EDF+ time-stamped annotation list: +onset[\\x15duration]\\x14text\\x14...\\x00; with no texts it is the
    record's time-keeping TAL, +onset\\x14\\x14\\x00."""
    s = ("+" if onset >= 0 else "") + _sec(onset)
    if duration is not None: s += "\x15" + _sec(duration)
    return (s + "\x14" + "".join(t + "\x14" for t in (texts or [""])) + "\x00").encode("utf-8")


class EDFWriter:
    """Stream an EDF (or EDF+C) file: the header on open, then `write(chunk)` calls of whole data records.

    `signals` are the data signals; with `edf_plus`, an `EDF Annotations` signal of `annotation_spr` samples is
    appended, and each record carries its time-keeping TAL (plus the annotations that `write` is given).
    `n_records` must be known up front (EDF declares it in the header); `close` checks that many were written."""

    def __init__(self, path: str | Path, signals: Sequence[Signal], *, record_duration: float, n_records: int,
                 start: _dt.datetime, patient: str = f"X X X {SYNTHETIC_TAG}", recording: str | None = None,
                 edf_plus: bool = False, annotation_spr: int = 30):
        self.path, self.signals, self.n_records = Path(path), list(signals), int(n_records)
        self.record_duration, self.edf_plus, self.annotation_spr = float(record_duration), edf_plus, annotation_spr
        self.written = 0
        rec = recording or f"Startdate {start.strftime('%d-%b-%Y').upper()} {SYNTHETIC_TAG} eegnb_make_corpus X"
        all_sig = self.signals + ([Signal("EDF Annotations", annotation_spr, "", 0.0, 1.0, -32768, 32767)] if edf_plus else [])
        ns = len(all_sig)
        head = (_field("0", 8) + _field(patient, 80) + _field(rec, 80) + _field(start.strftime("%d.%m.%y"), 8)
                + _field(start.strftime("%H.%M.%S"), 8) + _field(256 * (ns + 1), 8)
                + _field("EDF+C" if edf_plus else "", 44) + _field(self.n_records, 8)
                + _field(_num(self.record_duration), 8) + _field(ns, 4))
        cols = [("label", 16), ("transducer", 80), ("unit", 8), ("phys_min", 8), ("phys_max", 8), ("dig_min", 8),
                ("dig_max", 8), ("prefilter", 80), ("spr", 8)]
        sig = b""
        for name, width in cols:
            for s in all_sig:
                v = getattr(s, name)
                sig += _field(_num(v) if name.startswith("phys") else v, width)
        sig += b" " * 32 * ns
        self.record_samples = sum(s.spr for s in all_sig)
        self._offsets = np.cumsum([0] + [s.spr for s in self.signals])
        self._fh = open(self.path, "wb")
        self._fh.write(head + sig)

    def write(self, chunk: Sequence[np.ndarray], annotations: Iterable[tuple[int, bytes]] = ()) -> None:
        """Write whole data records: `chunk[i]` is signal i's physical values for k records (`k * spr_i` samples).
        `annotations` are `(record_index_within_chunk, tal_bytes)` for an EDF+ file."""
        k = len(chunk[0]) // self.signals[0].spr
        out = np.zeros((k, self.record_samples), "<i2")
        for i, (s, x) in enumerate(zip(self.signals, chunk)):
            if len(x) != k * s.spr: raise ValueError(f"{s.label}: {len(x)} samples, expected {k * s.spr}.")
            out[:, self._offsets[i]:self._offsets[i + 1]] = s.to_digital(x).reshape(k, s.spr)
        if self.edf_plus:
            extra = {}
            for j, tal in annotations: extra[j] = extra.get(j, b"") + tal
            ann = out[:, self._offsets[-1]:].view(np.uint8).reshape(k, -1)
            for j in range(k):
                b = _tal((self.written + j) * self.record_duration, None, []) + extra.get(j, b"")
                if len(b) > ann.shape[1]: raise ValueError(f"annotations of record {self.written + j} need {len(b)} bytes.")
                ann[j, :len(b)] = np.frombuffer(b, np.uint8)
        self._fh.write(out.tobytes())
        self.written += k

    def close(self) -> None:
        self._fh.close()
        if self.written != self.n_records:
            raise ValueError(f"{self.path}: wrote {self.written} records but the header declares {self.n_records}.")

    def __enter__(self): return self
    def __exit__(self, *exc):
        if exc[0] is None: self.close()
        else: self._fh.close()


def write_annotation_edf(path: str | Path, annotations: Sequence[tuple[float, float, str]], *, start: _dt.datetime,
                         patient: str = f"X X X {SYNTHETIC_TAG}") -> None:
    """An annotation-only EDF+C file as Sleep-EDF's hypnograms are: one data record of duration 0 holding every
    TAL, `EDF Annotations` its only signal. `annotations` are `(onset_s, duration_s, text)`."""
    body = _tal(0, None, []) + b"".join(_tal(o, d, [t]) for o, d, t in annotations)
    spr = -(-len(body) // 2)
    rec = f"Startdate {start.strftime('%d-%b-%Y').upper()} {SYNTHETIC_TAG} eegnb_make_corpus X"
    head = (_field("0", 8) + _field(patient, 80) + _field(rec, 80) + _field(start.strftime("%d.%m.%y"), 8)
            + _field(start.strftime("%H.%M.%S"), 8) + _field(512, 8) + _field("EDF+C", 44) + _field(1, 8)
            + _field("0", 8) + _field(1, 4))
    sig = (_field("EDF Annotations", 16) + _field("", 80) + _field("", 8) + _field("0", 8) + _field("1", 8)
           + _field(-32768, 8) + _field(32767, 8) + _field("", 80) + _field(spr, 8) + b" " * 32)
    Path(path).write_bytes(head + sig + body.ljust(2 * spr, b"\x00"))


# --------------------------------------------------------------------------------------------------------------
# Synthetic signals
# --------------------------------------------------------------------------------------------------------------
class NoiseSource:
    """Seeded synthetic 'EEG-like' noise for `n_ch` channels at `sfreq` Hz, in µV, generated chunk by chunk with
    continuous state: three AR(1) components (corners 0.5, 4 and 30 Hz, a 1/f-like spectrum over 0.5-30 Hz),
    white noise, and a 10-Hz rhythm of per-channel amplitude and phase. Typical SD about 20 µV.
    `events` are `(onset_s, duration_s)` windows where a 3-Hz, 150-µV rhythm is added (the known answer of a
    synthetic 'seizure' label)."""

    def __init__(self, n_ch: int, sfreq: float, rng: np.random.Generator, events: Sequence[tuple[float, float]] = ()):
        self.n_ch, self.sfreq, self.rng, self.events = n_ch, float(sfreq), rng, list(events)
        self.poles = np.exp(-2 * np.pi * np.array([0.5, 4.0, 30.0]) / self.sfreq)
        self.state = np.zeros((len(self.poles), n_ch))
        self.alpha_amp = rng.uniform(4, 15, n_ch)
        self.alpha_phase = rng.uniform(0, 2 * np.pi, n_ch)
        self.pos = 0

    def read(self, n: int) -> np.ndarray:
        "The next `n` samples, float64 `(n_ch, n)` in µV."
        from scipy.signal import lfilter
        x = np.zeros((self.n_ch, n))
        for j, a in enumerate(self.poles):
            w = self.rng.standard_normal((self.n_ch, n)) * np.sqrt(1 - a * a)   # unit-variance AR(1) output
            y, zf = lfilter([1.0], [1.0, -a], w, axis=1, zi=self.state[j][:, None] * a)
            self.state[j] = y[:, -1]
            x += 12.0 * y
        x += 3.0 * self.rng.standard_normal((self.n_ch, n))
        t = (self.pos + np.arange(n)) / self.sfreq
        x += self.alpha_amp[:, None] * np.sin(2 * np.pi * 10.0 * t[None, :] + self.alpha_phase[:, None])
        for onset, dur in self.events:
            lo, hi = max(0, int(onset * self.sfreq) - self.pos), min(n, int((onset + dur) * self.sfreq) - self.pos)
            if lo < hi:
                x[:, lo:hi] += 150.0 * np.sin(2 * np.pi * 3.0 * t[lo:hi])[None, :]
        self.pos += n
        return x


def write_synthetic_edf(path: str | Path, signals: Sequence[Signal], *, record_duration: float, n_records: int,
                        start: _dt.datetime, rng: np.random.Generator, events: Sequence[tuple[float, float]] = (),
                        chunk_s: float = 60.0, progress=None) -> None:
    """Write a plain EDF of synthetic noise, streaming `chunk_s` seconds at a time. Signals at the first signal's
    rate get `NoiseSource` noise (µV); slower signals (e.g. 1-Hz trend channels) get a slow random walk."""
    fast = signals[0].spr
    fast_idx = [i for i, s in enumerate(signals) if s.spr == fast]
    slow_idx = [i for i, s in enumerate(signals) if s.spr != fast]
    src = NoiseSource(len(fast_idx), fast / record_duration, rng, events)
    slow = {i: NoiseSource(1, signals[i].spr / record_duration, rng) for i in slow_idx}
    per_chunk = max(1, int(round(chunk_s / record_duration)))
    with EDFWriter(path, signals, record_duration=record_duration, n_records=n_records, start=start) as w:
        for r0 in range(0, n_records, per_chunk):
            k = min(per_chunk, n_records - r0)
            x = src.read(k * fast)
            chunk: list = [None] * len(signals)
            for j, i in enumerate(fast_idx): chunk[i] = x[j]
            for i in slow_idx:
                s = signals[i]
                mid, half = (s.phys_min + s.phys_max) / 2, (s.phys_max - s.phys_min) / 2
                chunk[i] = mid + 0.1 * half * np.tanh(slow[i].read(k * s.spr)[0] / 40.0)   # a slow trend
            w.write(chunk)
            if progress is not None: progress(k * record_duration)


# --------------------------------------------------------------------------------------------------------------
# TUH label files
# --------------------------------------------------------------------------------------------------------------
TCP_MONTAGE = ["FP1-F7", "F7-T3", "T3-T5", "T5-O1", "FP2-F8", "F8-T4", "T4-T6", "T6-O2", "A1-T3", "T3-C3", "C3-CZ",
               "CZ-C4", "C4-T4", "T4-A2", "FP1-F3", "F3-C3", "C3-P3", "P3-O1", "FP2-F4", "F4-C4", "C4-P4", "P4-O2"]
"The 22-channel ACNS TCP bipolar montage that TUSZ's per-channel `.csv` rows name (data_manifests/tusz.yaml)."


def tuh_segments(duration: float, events: Sequence[tuple[float, float]], label: str = "seiz") -> list[tuple[float, float, str]]:
    "The file cut into `bckg` and `label` segments that tile `[0, duration]` (events sorted, disjoint)."
    out, t = [], 0.0
    for onset, dur in sorted(events):
        if onset > t: out.append((t, onset, "bckg"))
        out.append((onset, onset + dur, label)); t = onset + dur
    if t < duration: out.append((t, duration, "bckg"))
    return out


def tuh_label_text(bname: str, duration: float, rows: Sequence[tuple[str, float, float, str]]) -> str:
    """A TUSZ v2 `.csv`/`.csv_bi` file: `# key = value` comments, the column header, then
    `channel,start_time,stop_time,label,confidence` rows (times in s, 4 decimals)."""
    lines = ["# version = csv_v1.0.0", f"# bname = {bname}", f"# duration = {duration:.4f} secs",
             "# montage_file = nedc_eas_default_montage.txt",
             f"# synthetic = {SYNTHETIC_TAG}: written by eegnb benchmarks/make_corpus.py for benchmarks only", "#",
             "channel,start_time,stop_time,label,confidence"]
    lines += [f"{ch},{a:.4f},{b:.4f},{lab},1.0000" for ch, a, b, lab in rows]
    return "\n".join(lines) + "\n"
