#!/usr/bin/env python3
"""The England deterministic chain of forecast/engine in NumPy, for the comparison of
docs/design.md §11 ("England deterministic ≥ 3× a vectorised numpy version").

    go test -run TestNumpyInputs ./forecast/engine/ -numpy.dir DIR
    /usr/bin/python3 bench/numpy_chain.py DIR [--reps N]

DIR holds the engine's prepared inputs and its results (engine.WriteNumpyInputs). The chain is
the engine's worker.project and worker.chain, written with whole arrays: the cohort-component
projection of every district (one array step a year, since each year needs the last), then need,
services, capacity, workforce, the care-home market and cost over district × year × sex × age
arrays at once, then the roll-up into the reported areas and the gaps against supply. It checks
every cell against the engine's results and prints the best time of --reps repetitions of the
chain (file loading not timed), like a Go benchmark's ns/op, as "numpy-ms <value>".
"""

import argparse
import json
import os
import sys
import time

try:
    import numpy as np
except ImportError:
    sys.exit(f"numpy: {sys.executable} has no numpy; run this with a python3 that has it "
             "(such as /usr/bin/python3), or use bench/numpy_compare.sh, which finds one")

NAMES = ["est90", "oldref", "loc_mortality", "loc_fertility", "loc_migration", "q", "qbirth",
         "fertility", "male_births", "need_rate", "need_trend", "svc_trend", "eligibility",
         "avoid", "shift", "price", "use", "older_rate", "hours", "use_trend", "market_share",
         "unit_cost", "area_members", "area_starts", "supply"]

OPEN = 90     # forecast.OpenAge: 90 means 90 and over
MAX_AGE = 105  # population.MaxAge: the projection's open group, 105 and over
FEMALE = 0


def load(d):
    inp = {n: np.load(os.path.join(d, n + ".npy")) for n in NAMES}
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    return inp, meta, np.load(os.path.join(d, "results.npy"))


def band_matrix(bands, extra=()):
    """A 0/1 matrix [age 0..90, band] summing single ages into each (from, to) band."""
    b = np.zeros((OPEN + 1, len(bands) + len(extra)))
    for i, (lo, hi) in enumerate(list(bands) + list(extra)):
        b[lo:hi + 1, i] = 1
    return b


def prepare(meta, inp):
    """What the chain needs that depends on the layout only (not timed, like the engine's plan
    built once before the benchmark loop... except that the engine builds its plan in every
    run)."""
    m = meta
    J = len(m["schedules"])
    nb = max(len(x["bands"]) for x in m["need"])
    older = (m["older_from"], OPEN)
    bneed = np.zeros((J, OPEN + 1, nb + 1))  # the last column: people 65+, for the services
    for j, (sch, nd) in enumerate(zip(m["schedules"], m["need"])):
        bneed[j, :, :len(nd["bands"])] = band_matrix(nd["bands"])
        if sch["from"] <= older[0] and sch["to"] >= OPEN:
            bneed[j, older[0]:, nb] = 1
    S = len(m["services"])
    ndrv = inp["older_rate"].shape[2]
    drv = np.zeros((S, ndrv), dtype=int)
    has = np.zeros(S, dtype=bool)
    for s, lst in enumerate(m["drivers"]):
        drv[s, :len(lst)] = lst
        has[s] = len(lst) > 0
    # older_rate beyond a service's drivers is 0, so the padding adds nothing.
    return {"bpop": band_matrix(m["pop"]["bands"]), "bneed": bneed, "nb": nb, "drv": drv,
            "has": has, "starts": inp["area_starts"].astype(int),
            "members": inp["area_members"].astype(int)}


def chain(inp, meta, prep):
    """Returns the results [area, year, cell] of the deterministic run."""
    m = meta
    est, ref = inp["est90"], inp["oldref"]
    D = est.shape[0]
    K = len(m["years"])
    A = MAX_AGE + 1

    # Population: split each district's 90+ by the national single years 90..105+, then one
    # cohort-component step a year for every district, sex and age at once.
    pop = np.empty((D, K, 2, A))
    share90 = ref[:, OPEN:] / ref[:, OPEN:].sum(axis=1, keepdims=True)
    pop[:, 0, :, :OPEN] = est[:, :, :OPEN]
    pop[:, 0, :, OPEN:] = est[:, :, OPEN:OPEN + 1] * share90
    mort, mig = inp["loc_mortality"], inp["loc_migration"]       # [D, 2], [D, 2, A]
    cohort_mig = 0.5 * (mig[:, :, :MAX_AGE - 1] + mig[:, :, 1:MAX_AGE])
    q_all = np.minimum(inp["q"][:, None] * mort[None, :, :, None], 1)  # [K-1, D, 2, A]
    qb_all = np.minimum(inp["qbirth"][:, None] * mort[None], 1)       # [K-1, D, 2]
    for k in range(1, K):
        P, N, q = pop[:, k - 1], pop[:, k], q_all[k - 1]
        N[:, :, 1:MAX_AGE] = np.maximum(P[:, :, :MAX_AGE - 1] * (1 - q[:, :, :MAX_AGE - 1])
                                        + cohort_mig * (1 - 0.5 * q[:, :, :MAX_AGE - 1]), 0)
        q1, q2 = q[:, :, MAX_AGE - 1], q[:, :, MAX_AGE]
        N[:, :, MAX_AGE] = np.maximum(P[:, :, MAX_AGE - 1] * (1 - q1) + P[:, :, MAX_AGE] * (1 - q2)
                                      + 0.5 * mig[:, :, MAX_AGE - 1] * (1 - 0.5 * q1)
                                      + mig[:, :, MAX_AGE] * (1 - 0.5 * q2), 0)
        births = (P[:, FEMALE] + N[:, FEMALE]) @ inp["fertility"][k - 1] * 0.5 * inp["loc_fertility"]
        mb = inp["male_births"][k - 1]
        sex_share = np.array([1 - mb, mb])
        N[:, :, 0] = np.maximum(births[:, None] * sex_share * (1 - qb_all[k - 1]) + 0.5 * mig[:, :, 0], 0)
    pop90 = np.concatenate([pop[..., :OPEN], pop[..., OPEN:].sum(axis=-1, keepdims=True)], axis=-1)

    out = np.zeros((D, K, m["n_cells"]))

    def put(meas, vals):  # vals [D, K, sexes, bands]; cells are sex-major
        n = meas["sexes"] * len(meas["bands"])
        out[:, :, meas["off"]:meas["off"] + n] = vals.reshape(D, K, n)

    # Population cells, and the people 18-64 and 65+.
    popb = pop90 @ prep["bpop"]                                       # [D, K, 2, bands]
    put(m["pop"], np.concatenate([popb, popb[:, :, :1] + popb[:, :, 1:2]], axis=2))
    lo, hi = m["working"]
    working = pop90[..., lo:hi + 1].sum(axis=(-1, -2))
    older_pop = pop90[..., m["older_from"]:].sum(axis=(-1, -2))

    # Need: population × prevalence × trend for every measure, summed into its bands.
    trend = inp["need_trend"]                                         # [K, J]
    cases = pop90[:, :, None] * inp["need_rate"][None, None] * trend[None, :, :, None, None]
    needb = cases @ prep["bneed"][None, None]                         # [D, K, J, 2, nb+1]
    nb = prep["nb"]
    for j, nd in enumerate(m["need"]):
        v = needb[:, :, j, :, :len(nd["bands"])]
        put(nd, np.concatenate([v, v[:, :, :1] + v[:, :, 1:2]], axis=2))
    need_older = needb[:, :, :, 0, nb] + needb[:, :, :, 1, nb]        # [D, K, J]

    # Services: use rate × people 18-64 or 65+, or for 65+ the need measures driving it.
    use = inp["use"]                                                  # [D, S, 2]
    x = use[:, None] * np.stack([working, older_pop], axis=-1)[:, :, None, :]
    driven = (inp["older_rate"][:, None] * need_older[:, :, prep["drv"]]).sum(axis=-1)
    x[..., 1] = np.where(prep["has"], driven, x[..., 1])
    x = np.where(np.isnan(use)[:, None], 0, x)
    x[..., 1] *= inp["use_trend"]
    res, nur, home, meals = m["residential"], m["nursing"], m["home_care"], m["meals"]
    care_homes = x[:, :, res].sum(axis=-1) + x[:, :, nur].sum(axis=-1)
    svc = x * inp["svc_trend"][None, :, :, None] * inp["eligibility"][None, :, None, None]
    keep = (1 - inp["avoid"])[None, :, None]
    svc[:, :, res] *= keep
    svc[:, :, nur] *= keep
    moved = svc[:, :, res] * inp["shift"][None, :, None]
    svc[:, :, res] -= moved
    svc[:, :, home] += moved
    tot = svc.sum(axis=-1)                                            # [D, K, S]
    for s, meas in enumerate(m["svc"]):
        if s == meals:
            put(meas, svc[:, :, s, 1])
        else:
            put(meas, np.concatenate([svc[:, :, s], tot[:, :, s, None]], axis=-1))

    # Capacity and workforce.
    occ, staff = m["occupancy"], m["staff_hours"]
    home_hours = tot[:, :, home] * inp["hours"][:, None]
    put(m["cap_res_beds"], tot[:, :, res] / occ)
    put(m["cap_nur_beds"], tot[:, :, nur] / occ)
    put(m["cap_hours"], home_hours)
    fte_res = tot[:, :, res] * m["residential_staffing"] / staff
    fte_nur = tot[:, :, nur] * m["nursing_staffing"] / staff
    fte_home = home_hours / staff
    put(m["work_res"], fte_res)
    put(m["work_nur"], fte_nur)
    put(m["work_home"], fte_home)
    put(m["work_total"], fte_res + fte_nur + fte_home)

    # The whole care-home market.
    if "market" in m:
        sh = inp["market_share"][:, None]
        nf = sh / (1 - sh) * care_homes
        residents = tot[:, :, res] + tot[:, :, nur] + nf
        mk = m["market"]
        out[:, :, mk["not_funded"]] = nf
        out[:, :, mk["residents"]] = residents
        out[:, :, mk["beds"]] = residents / occ

    # Cost: volume a year × unit cost × price path.
    vol = tot * 52
    vol[:, :, home] = home_hours * 52
    cost = vol * inp["unit_cost"][:, None] * inp["price"][None, :, None]
    for s, meas in enumerate(m["cost"]):
        put(meas, cost[:, :, s])
    put(m["cost_total"], cost.sum(axis=-1))

    # Roll up into the reported areas; gaps against supply (NaN where there is none).
    areas = np.add.reduceat(out[prep["members"]], prep["starts"], axis=0)
    for g, (of, cell) in enumerate(m["gaps"]):
        areas[:, :, cell] = areas[:, :, of] - inp["supply"][:, :, g]
    return areas


def check(got, want, meta, tol):
    """Compares every cell with the engine's; returns the largest relative difference."""
    if got.shape != want.shape:
        sys.exit(f"numpy: shape {got.shape}, engine {want.shape}")
    nan_g, nan_w = np.isnan(got), np.isnan(want)
    if (nan_g != nan_w).any():
        sys.exit(f"numpy: {int((nan_g != nan_w).sum())} cells NaN in one and not the other")
    # Relative to each cell's value, or for a gap (need − supply, which may be near 0) to
    # the need it is taken from.
    scale = np.abs(want).copy()
    for of, cell in meta["gaps"]:
        scale[:, :, cell] = np.maximum(scale[:, :, cell], np.abs(want[:, :, of]))
    ok = ~nan_w & (scale > 0)
    rel = np.zeros_like(want)
    rel[ok] = np.abs(got[ok] - want[ok]) / scale[ok]
    rel[~nan_w & (scale == 0)] = np.abs(got[~nan_w & (scale == 0)])
    worst = np.unravel_index(np.argmax(rel), rel.shape)
    print(f"numpy: {int((~nan_w).sum())} cells checked against the engine: max relative difference "
          f"{rel[worst]:.2e} (area {meta['area_codes'][worst[0]]}, {meta['years'][worst[1]]}, cell {worst[2]})")
    eng = meta["area_codes"].index("E92000001") if "E92000001" in meta["area_codes"] else None
    if eng is not None:
        k = len(meta["years"]) - 1
        for name in ("pop", "cost_total"):
            c = meta[name]["off"] + (meta[name]["sexes"] * len(meta[name]["bands"]) - 1)
            print(f"numpy: England {meta['years'][k]} {meta[name]['name']}: numpy {got[eng, k, c]:.6f}, "
                  f"engine {want[eng, k, c]:.6f}")
    if rel[worst] > tol:
        sys.exit(f"numpy: differs from the engine by more than {tol:g}")
    return rel[worst]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--tol", type=float, default=1e-6)
    a = ap.parse_args()
    inp, meta, want = load(a.dir)
    prep = prepare(meta, inp)
    got = chain(inp, meta, prep)
    check(got, want, meta, a.tol)
    best = float("inf")
    for _ in range(a.reps):
        t0 = time.perf_counter()
        chain(inp, meta, prep)
        best = min(best, time.perf_counter() - t0)
    print(f"numpy: numpy {np.__version__}, {meta['scenario']} run, {inp['est90'].shape[0]} districts, "
          f"{len(meta['area_codes'])} areas, {len(meta['years'])} years; best of {a.reps}")
    print(f"numpy-ms {best * 1e3:.2f}")


if __name__ == "__main__":
    main()
