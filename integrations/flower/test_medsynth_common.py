"""Tests of the server rules (run: VENV/bin/python -m unittest test_medsynth_common)."""

import unittest

import numpy as np

from medsynth_common import combined_score, fedavg, validate


def params(g: float, c: float) -> dict:
    return {
        "generator.out.weight": np.full((2, 2), g, np.float32),
        "critic.out.bias": np.full((1,), c, np.float32),
    }


class Rules(unittest.TestCase):
    def test_weighted_mean(self):
        out, acc, rej = fedavg(params(0, 0), [(0, 1, params(1, 4)), (1, 3, params(5, 0))], "all", 0)
        self.assertEqual(acc, [0, 1])
        self.assertEqual(rej, [])
        np.testing.assert_array_equal(out["generator.out.weight"], np.full((2, 2), 4.0))
        np.testing.assert_array_equal(out["critic.out.bias"], [1.0])

    def test_rejections_keep_the_others(self):
        nan = params(1, 1)
        nan["critic.out.bias"][0] = np.nan
        shape = params(1, 1)
        shape["generator.out.weight"] = np.zeros((4, 1), np.float32)
        missing = params(1, 1)
        del missing["critic.out.bias"]
        ups = [(0, 10, params(1, 1)), (1, 10, nan), (2, 10, shape), (3, 10, missing),
               (4, 10, params(100, 0)), (5, 0, params(1, 1))]
        out, acc, rej = fedavg(params(0, 0), ups, "all", 10.0)
        self.assertEqual(acc, [0])
        reasons = {r.site: r.reason for r in rej}
        self.assertIn("non-finite", reasons[1])
        self.assertIn("shape", reasons[2])
        self.assertIn("missing", reasons[3])
        self.assertIn("exceeds the bound", reasons[4])
        self.assertIn("0 training rows", reasons[5])
        np.testing.assert_array_equal(out["generator.out.weight"], np.ones((2, 2)))

    def test_all_rejected_keeps_global(self):
        bad = params(np.nan, 0)
        glob = params(2, 3)
        out, acc, rej = fedavg(glob, [(0, 5, bad)], "all", 0)
        self.assertEqual(acc, [])
        self.assertEqual(len(rej), 1)
        for k in glob:
            np.testing.assert_array_equal(out[k], glob[k])

    def test_shared_generator_ignores_site_critics(self):
        odd = params(3, 0)
        odd["critic.out.bias"] = np.zeros((3,), np.float32)
        out, acc, _ = fedavg(params(0, 7), [(0, 1, params(1, 9)), (1, 1, odd)], "generator", 0)
        self.assertEqual(acc, [0, 1])
        np.testing.assert_array_equal(out["generator.out.weight"], np.full((2, 2), 2.0))
        np.testing.assert_array_equal(out["critic.out.bias"], [7.0])

    def test_unknown_tensor_rejected(self):
        extra = params(1, 1)
        extra["generator.extra"] = np.zeros((1,), np.float32)
        self.assertIn("unknown", validate(params(0, 0), extra, 1, "all", 0))

    def test_combined_score_weights_by_rows_and_ignores_bad_scores(self):
        self.assertAlmostEqual(combined_score([(100, 0.9), (300, 0.5)]), 0.6)
        self.assertAlmostEqual(combined_score([(100, 0.9), (300, float("nan")), (300, 7.0), (0, 0.1)]), 0.9)
        self.assertIsNone(combined_score([]))
        self.assertIsNone(combined_score([(10, -1.0)]))


if __name__ == "__main__":
    unittest.main()
