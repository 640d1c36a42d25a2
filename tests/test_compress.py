"""eegnb.compress: lossless round trips on real EEG, stream errors, entropy coder size, wavelet knob, learned codec."""
from __future__ import annotations

import numpy as np
import pytest

from eegnb.compress import (CODECS, GzipCodec, LPCCodec, StreamError, WaveletCodec, ZstdCodec, compression_ratio,
                            create_codec, decode_ints, encode_ints, stream_header, to_codes, unpack_stream)
from conftest import DEMO, SHARED


def _eegmat_windows(data_dir, n_times=1000):
    "Two real EEGMAT windows (2, 19, n_times) µV and the EDF file's per-channel resolution and offset."
    import eegnb.data as ed
    from eegnb.data.readers import read_edf_header
    rec = ed.load("eegmat", "Subject00_2", data_dir=data_dir)
    hdr = read_edf_header(rec.provenance["path"])
    idx = [hdr.labels.index(c) for c in rec.ch_names[:19]]
    gain = np.array([(hdr.physical_range[i][1] - hdr.physical_range[i][0]) /
                     (hdr.digital_range[i][1] - hdr.digital_range[i][0]) for i in idx])
    offset = np.array([hdr.physical_range[i][0] - g * hdr.digital_range[i][0] for g, i in zip(gain, idx)])
    x = rec.data[:19, 5000:5000 + 2 * n_times].reshape(19, 2, n_times).transpose(1, 0, 2)
    return x, gain, offset, rec.sfreq


@pytest.fixture(scope="module")
def real():
    d = SHARED if (SHARED / "eegmat").is_dir() else DEMO
    return _eegmat_windows(d)


@pytest.mark.parametrize("make", [lambda g, o: LPCCodec(g, offset_uv=o), lambda g, o: ZstdCodec("int16", g, offset_uv=o),
                                  lambda g, o: GzipCodec("int16", g, offset_uv=o)])
def test_lossless_bit_exact_on_real_eegmat(real, make):
    x, gain, offset, sfreq = real
    codec = make(gain, offset)
    y = codec.decode(codec.encode(x, sfreq))
    np.testing.assert_array_equal(to_codes(y, gain, offset), to_codes(x, gain, offset))
    assert np.all(np.abs(y - x) <= gain[:, None] / 2 + 1e-4)


def test_float32_raw_codecs_exact(real):
    x = real[0].astype(np.float32)
    for codec in (ZstdCodec(), GzipCodec()):
        np.testing.assert_array_equal(codec.decode(codec.encode(x, 500)), x)


def test_wavelet_quality_monotone(real):
    x, *_ = real
    prd, ratio = [], []
    for q in (90, 70, 50, 30):
        s = WaveletCodec(q).encode(x, 500)
        y = WaveletCodec(q).decode(s)
        prd.append(np.linalg.norm(y - x) / np.linalg.norm(x)); ratio.append(compression_ratio(x.shape, s))
    assert np.all(np.diff(prd) > 0) and np.all(np.diff(ratio) > 0)


def test_stream_errors(real):
    x, *_ = real
    s = WaveletCodec(50).encode(x, 500)
    with pytest.raises(StreamError, match="truncated"):
        WaveletCodec(50).decode(s[:-10])
    bad = bytearray(s); bad[len(s) // 2] ^= 0xFF
    with pytest.raises(StreamError, match="CRC32"):
        WaveletCodec(50).decode(bytes(bad))
    with pytest.raises(StreamError, match="foreign"):
        WaveletCodec(50).decode(b"\x89PNG\r\n\x1a\n" + s[8:])
    with pytest.raises(StreamError, match="written by codec 'wavelet'"):
        LPCCodec().decode(s)


def test_ratio_counts_header(real):
    x, *_ = real
    s = ZstdCodec().encode(x[:, :2, :50], 500)
    h, payload = unpack_stream(s)
    assert len(s) > len(payload) + 20
    assert compression_ratio(h.shape, s) == pytest.approx(2 * 2 * 2 * 50 / len(s))
    assert stream_header(s).shape == (2, 2, 50) and stream_header(s).sfreq == 500


def test_entropy_coder_near_entropy():
    v = np.round(np.random.default_rng(1).laplace(0, 4, 30000)).astype(int)
    blob = encode_ints(v)
    np.testing.assert_array_equal(decode_ints(blob, len(v)), v)
    _, c = np.unique(v, return_counts=True); p = c / c.sum()
    h = len(v) * -(p * np.log2(p)).sum() / 8
    assert h <= len(blob) < 1.02 * h + 64


def test_registry():
    assert {"lpc", "zstd", "gzip", "wavelet"} <= set(CODECS)
    assert isinstance(create_codec("wavelet", quality=40), WaveletCodec)
    with pytest.raises(ValueError, match="Allowed values"):
        create_codec("mp3")


def test_learned_codec_roundtrip_and_weights_check():
    torch = pytest.importorskip("torch")
    from eegnb.compress.learned import CodecNet, CodecNetConfig, LearnedCodec
    torch.manual_seed(0)
    x = np.random.default_rng(0).normal(0, 20, (3, 2, 300)).astype(np.float32)
    net = CodecNet(CodecNetConfig("conv", latent_ch=2, n_down=3, width=8)).eval()
    codec = LearnedCodec(net)
    s = codec.encode(x, 200)
    with torch.no_grad():
        t, scales = codec._prep(x.astype(np.float64))
        ref = net.decode(net.quantize(net.encode(t)[0])).numpy()[..., :300] * scales
    np.testing.assert_allclose(codec.decode(s), ref.reshape(3, 2, 300), atol=1e-3)
    other = LearnedCodec(CodecNet(CodecNetConfig("conv", latent_ch=2, n_down=3, width=8)))
    with pytest.raises(StreamError, match="model weights"):
        other.decode(s)
