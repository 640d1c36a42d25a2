"""Known-answer checks for `eegnb.eval.seizure`: post-processing, NEDC OVLP / TAES and SzCORE event scoring on
hand-made reference/hypothesis pairs (the arithmetic is in the comments), pooling, and operating points."""
from __future__ import annotations

import math

import numpy as np
import pytest

from eegnb.eval.seizure import (PostProcessing, SzCoreParameters, moving_average, operating_points,
                                probabilities_to_events, score_events, score_recordings)

DAY = 86_400.0


def counts(ref, hyp, duration_s, method, **kw):
    s = score_events(ref, hyp, duration_s, method, **kw)
    return s["tp"], s["fn"], s["fp"]


# ----------------------------------------------------------------------------------------------- post-processing
def test_hysteresis_keeps_an_event_alive_between_thresholds():
    p = [0, .2, .9, .6, .6, .9, .2, 0]
    # on 0.8 / off 0.5: starts at sample 2 (0.9), stays through 0.6, 0.6, 0.9, ends at sample 6 (0.2 < 0.5)
    np.testing.assert_array_equal(probabilities_to_events(p, 1.0, threshold_on=.8, threshold_off=.5), [[2, 6]])
    # without hysteresis the dip to 0.6 splits it: [2, 3) and [5, 6)
    np.testing.assert_array_equal(probabilities_to_events(p, 1.0, threshold_on=.8), [[2, 3], [5, 6]])
    # at 4 Hz, sample 2 starts at 0.5 s and sample 6 at 1.5 s
    np.testing.assert_array_equal(probabilities_to_events(p, 4.0, threshold_on=.8, threshold_off=.5), [[.5, 1.5]])


def test_min_duration_drops_blips_and_merge_gap_joins():
    p = np.zeros(40); p[2:12] = 1; p[14:20] = 1; p[30] = 1      # [2, 12), [14, 20), [30, 31): gaps 2 s, 10 s
    ev = lambda **kw: probabilities_to_events(p, 1.0, threshold_on=.5, **kw).tolist()
    assert ev(min_duration_s=5) == [[2, 12], [14, 20]]         # the 1-s blip at 30 s is shorter than 5 s
    assert ev(merge_gap_s=3) == [[2, 20], [30, 31]]            # 2-s gap < 3 s merged, 10-s gap kept
    assert ev(merge_gap_s=3, min_duration_s=15) == [[2, 20]]   # merged first: 18 s >= 15 s survives
    assert ev(merge_gap_s=2) == [[2, 12], [14, 20], [30, 31]]  # a 2-s gap is not closer than 2 s


def test_smoothing_removes_a_one_sample_spike():
    spike = np.zeros(20); spike[10] = 1
    assert math.isclose(moving_average(spike, 1.0, 4).max(), 0.25)       # 1 / 4 samples
    assert probabilities_to_events(spike, 1.0, threshold_on=.5, smooth_s=4).shape == (0, 2)
    assert PostProcessing(threshold_on=.5, smooth_s=0)(spike, 1.0).tolist() == [[10, 11]]


def test_sweep_and_bad_parameters():
    grid = PostProcessing.sweep(threshold_on=[.5, .9], threshold_off=[None, .7], merge_gap_s=[0, 5])
    assert len(grid) == 6                                      # 2 x 2 x 2 minus (on .5, off .7) x 2
    assert PostProcessing(.8, .4).with_threshold(.6).threshold_off == pytest.approx(.3)   # ratio 1/2 kept
    with pytest.raises(ValueError, match="threshold_off"):
        PostProcessing(threshold_on=.5, threshold_off=.6)
    with pytest.raises(ValueError, match="NaN"):
        probabilities_to_events([0, np.nan, 1], 1.0, threshold_on=.5)


# ------------------------------------------------------------------------------------------------- event scoring
def test_partial_overlap_ovlp_and_taes():
    ref, hyp = [[100, 200]], [[160, 260]]
    assert counts(ref, hyp, 3600, "ovlp") == (1, 0, 0)          # any overlap: a hit, no false alarm
    # TAES: hit = (200 - 160) / 100 = 0.4; miss = 0.6; FA = min(1, (260 - 200) / 100) = 0.6
    s = score_events(ref, hyp, 3600, "taes")
    assert (s["tp"], s["fn"], s["fp"]) == pytest.approx((0.4, 0.6, 0.6))
    # sensitivity 0.4 / 1 = 0.4, precision 0.4 / (0.4 + 0.6) = 0.4, FA/24h = 0.6 / 3600 * 86400 = 14.4
    assert (s["sensitivity"], s["precision"], s["fa_per_24h"]) == pytest.approx((0.4, 0.4, 14.4))
    # FA fraction is relative to the REFERENCE duration, capped at 1: [150, 350] sticks out 150 s = 1.5 -> 1
    assert counts(ref, [[150, 350]], 3600, "taes") == pytest.approx((0.5, 0.5, 1.0))
    # one detection over two seizures (NEDC): first seizure 0.5 hit, second a full miss
    assert counts([[100, 200], [300, 400]], [[150, 350]], 3600, "taes") == pytest.approx((0.5, 1.5, 1.0))
    assert counts([[100, 200], [300, 400]], [[150, 350]], 3600, "ovlp") == (2, 0, 0)


@pytest.mark.parametrize("method", ["ovlp", "taes", "szcore"])
def test_far_false_alarm_and_empty_sides(method):
    # the detection at 2000 s is far from the seizure: 1 FP in every method; FA/24h = 1 / 7200 * 86400 = 12
    s = score_events([[100, 200]], [[100, 200], [2000, 2010]], 7200, method)
    assert (s["tp"], s["fn"], s["fp"], s["fa_per_24h"]) == pytest.approx((1, 0, 1, 12.0))
    s = score_events([], [[2000, 2010]], 7200, method)          # no seizure: sensitivity undefined, FA counted
    assert math.isnan(s["sensitivity"]) and math.isnan(s["f1"]) and s["fp"] == 1 and s["precision"] == 0
    s = score_events([[100, 200]], [], 7200, method)            # silent detector: precision undefined
    assert s["sensitivity"] == 0 and math.isnan(s["precision"]) and s["fa_per_24h"] == 0


def test_szcore_tolerances():
    ref = [[600, 660]]                                          # scoring window [600 - 30, 660 + 60] = [570, 720]
    assert counts(ref, [[580, 620]], 3600, "szcore") == (1, 0, 0)   # 20 s early: inside the window
    assert counts(ref, [[560, 620]], 3600, "szcore") == (1, 0, 1)   # 40 s early: finds it, [560, 570) is a FP
    assert counts(ref, [[700, 710]], 3600, "szcore") == (1, 0, 0)   # 40 s after offset: within 60 s
    assert counts(ref, [[700, 710]], 3600, "ovlp") == (0, 1, 1)     # OVLP has no tolerance
    assert counts(ref, [[500, 540]], 3600, "szcore") == (0, 1, 1)   # ends 30 s before the window opens
    no_tol = SzCoreParameters(tolerance_start_s=0, tolerance_end_s=0)
    assert counts(ref, [[580, 620]], 3600, "szcore", szcore=no_tol) == (1, 0, 1)


def test_szcore_merge_and_split():
    # two detections 60 s apart (< 90 s) merge into one FP; OVLP counts two
    assert counts([], [[1000, 1010], [1070, 1080]], 3600, "szcore") == (0, 0, 1)
    assert counts([], [[1000, 1010], [1070, 1080]], 3600, "ovlp") == (0, 0, 2)
    assert counts([], [[1000, 1010], [1100, 1110]], 3600, "szcore") == (0, 0, 2)   # 90 s apart: not merged
    # a 12-min seizure [1000, 1720] -> [1000, 1300], [1300, 1600], [1600, 1720]: 3 events; a 10-s detection
    # at 1010 s lies in the first window [970, 1360] only -> TP 1, FN 2
    s = score_events([[1000, 1720]], [[1010, 1020]], 3600, "szcore")
    assert (s["n_ref"], s["tp"], s["fn"], s["fp"]) == (3, 1, 2, 0)
    assert s["sensitivity"] == pytest.approx(1 / 3)


def test_bad_events_are_named():
    with pytest.raises(ValueError, match="overlap; merge them first"):
        score_events([[100, 200], [150, 250]], [], 3600)
    with pytest.raises(ValueError, match="inside the recording"):
        score_events([], [[3500, 3700]], 3600)
    with pytest.raises(ValueError, match="'method'"):
        score_events([], [], 3600, "epoch")


def test_score_recordings_pools_then_rates():
    recs = [([[100, 200]], [[150, 250]], 3600, "s1"),           # hit
            ([[500, 600]], [], 3600, "s1"),                     # miss
            ([], [[10, 20], [1000, 1010]], 7200, "s2")]         # 2 false alarms, no seizure
    t = score_recordings(recs, "ovlp")
    tot = t.iloc[0]
    # TP 1, FN 1, FP 2 over 14400 s: sensitivity 0.5, precision 1/3, F1 0.4, FA/24h = 2 / 14400 * 86400 = 12
    assert (tot.subject, tot.tp, tot.fn, tot.fp, tot.hours) == ("ALL", 1, 1, 2, 4.0)
    assert (tot.sensitivity, tot.precision, tot.f1, tot.fa_per_24h) == pytest.approx((.5, 1 / 3, .4, 12.0))
    assert list(t.subject) == ["ALL", "s1", "s2"] and math.isnan(t.iloc[2].sensitivity)


# ---------------------------------------------------------------------------------------------- operating points
def _recording(n_samples, blips, seizures, subject):
    "1-Hz probabilities: 10-s false-alarm blips one hour apart at the given heights, seizures at theirs."
    p = np.zeros(n_samples)
    for k, height in enumerate(blips): p[1000 + 3600 * k:1010 + 3600 * k] = height
    for a, b, h in seizures: p[a:b] = h
    return p, 1.0, [[a, b] for a, b, _ in seizures], float(n_samples), subject


def test_operating_points_meet_the_validation_budget():
    # validation, 24 h: blips 12 x 0.35, 4 x 0.55, 1 x 0.75 -> FA/24h 17 (t <= .35), 5 (t <= .55), 1 (t <= .75), 0
    val = [_recording(86_400, [.35] * 12 + [.55] * 4 + [.75], [(80_000, 80_060, .95)], "v")]
    # test, 3 x 12 h: A seizures at 0.9 and 0.5, B one at 0.7, C no seizure and one blip at 0.45
    test = [_recording(43_200, [], [(5000, 5060, .9), (20_000, 20_060, .5)], "A"),
            _recording(43_200, [], [(9000, 9060, .7)], "B"),
            _recording(43_200, [.45], [], "C")]
    op = operating_points(val, test, fa_per_24h=(10, 2, .5), thresholds=np.round(np.arange(.1, .91, .1), 1),
                          method="szcore", n_boot=200)
    # lowest thresholds with validation FA within budget: 10 -> 0.4 (FA 5), 2 -> 0.6 (FA 1), 0.5 -> 0.8 (FA 0)
    assert op.threshold.tolist() == pytest.approx([.4, .6, .8])
    assert op.val_fa_per_24h.tolist() == pytest.approx([5, 1, 0])
    # test: at 0.4 all 3 seizures found, C's blip is 1 FA over 36 h = 0.667/24h; at 0.6 A's 0.9 and B's 0.7 (2/3),
    # no FA; at 0.8 only A's 0.9 (1/3)
    assert op.sensitivity.tolist() == pytest.approx([1, 2 / 3, 1 / 3])
    assert op.fa_per_24h.tolist() == pytest.approx([24 / 36, 0, 0])
    assert (op.n_test_subjects.tolist(), op.n_test_hours.tolist()) == ([3] * 3, [36.0] * 3)
    # every subject with seizures has sensitivity 1 at 0.4 -> CI [1, 1]; no FA anywhere at 0.6 -> CI [0, 0]
    assert (op.sensitivity_ci_low[0], op.sensitivity_ci_high[0]) == (1.0, 1.0)
    assert (op.fa_per_24h_ci_low[1], op.fa_per_24h_ci_high[1]) == (0.0, 0.0)
    # an impossible budget gives a NaN threshold, not a threshold that breaks it
    assert math.isnan(operating_points(val, test, fa_per_24h=(-1,), thresholds=[.5], n_boot=5).threshold[0])
