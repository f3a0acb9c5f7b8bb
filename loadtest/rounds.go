package main

import "context"

// interleave measures a path, its reference (and its floor) in rounds:
// each round is one window of each, back to back on the same CPU, so all
// meet the same load of the machine, which on a shared machine drifts by
// ±15 % within minutes. They run in the order given in even rounds and in
// the reverse order in odd ones, so a load that rises or falls steadily
// through the rounds favours none. It returns each one's windows in round
// order: windows[j][i] is windowFuncs[j]'s in round i.
func interleave(ctx context.Context, rounds int, windowFuncs ...windowFunc) (windows [][]measurement, err error) {
	windows = make([][]measurement, len(windowFuncs))
	for j := range windowFuncs {
		windows[j] = make([]measurement, rounds)
	}
	for i := range rounds {
		for k := range windowFuncs {
			j := k
			if i%2 == 1 {
				j = len(windowFuncs) - 1 - k
			}
			if windows[j][i], err = windowFuncs[j](ctx); err != nil {
				return nil, err
			}
		}
	}
	return windows, nil
}

// roundRatios are the path's figure divided by its reference's, round by
// round; a round without a figure on either side has no ratio.
func roundRatios(paths, refs []measurement) []float64 {
	var ratios []float64
	for i := range min(len(paths), len(refs)) {
		if p, r := paths[i].PerCPUSecond(), refs[i].PerCPUSecond(); p > 0 && r > 0 {
			ratios = append(ratios, p/r)
		}
	}
	return ratios
}
