"""Every Result draws itself (``Result.plot``), in a notebook and on the command line: every kind
on every Result it applies to, with labelled axes, a legend where curves overlay and nothing
outside the canvas; the notebook's display; ``--plot`` and ``bayes-peer plot``."""

from __future__ import annotations

import math

import pytest

import bayes_peer as bp
from bayes_peer.report.plots import KINDS
from bayes_peer.report.plots.canvas import figure_of

from conftest import ROOT

SHORT = {"draws": 150, "tune": 150, "chains": 2, "seed": 3}
NAMES = ["alliance_m24", "satisfaction_m24", "qol_m24"]


def _check_figure(plot) -> None:
    """Labelled axes, a legend where several curves are drawn, everything inside the canvas."""
    import matplotlib.pyplot as plt

    fig = figure_of(plot)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        box = fig.get_tightbbox(renderer)
        width, height = fig.get_size_inches()
        tolerance = 0.05  # inches
        assert box.x0 >= -tolerance and box.y0 >= -tolerance, box
        assert box.x1 <= width + tolerance and box.y1 <= height + tolerance, (box, width, height)
        axes = [ax for ax in fig.axes if ax.get_visible() and ax.has_data()]
        assert axes
        for ax in axes:
            labelled = (ax.get_xlabel() or ax.get_ylabel() or ax.get_title()
                        or ax.get_yticklabels() or ax.texts)  # fmt: skip
            assert labelled, ax
        overlaid = max(len([line for line in ax.get_lines() if line.get_label()
                            and not line.get_label().startswith("_")]) for ax in axes)  # fmt: skip
        if overlaid > 1:
            assert fig.legends or any(ax.get_legend() for ax in fig.axes)
    finally:
        plt.close(fig)


def _draw_every_kind(result) -> list[str]:
    kinds = result.plot_kinds()
    assert kinds and set(kinds) <= set(KINDS)
    for kind in kinds:
        _check_figure(result.plot(kind))
    _check_figure(result.plot())  # the default: the first kind
    return kinds


def test_exact_correlations_draw_every_kind_that_applies():
    res = bp.correlate("demo", NAMES, robustness=True, sequential=True, influence=True)
    kinds = _draw_every_kind(res)
    assert kinds[0] == "posterior"
    assert {"forest", "matrix", "robustness", "sequential", "influence"} <= set(kinds)
    assert "diagnostics" not in kinds  # no model was fitted
    with pytest.raises(bp.InputError) as info:
        res.plot("diagnostics")
    assert "posterior, forest, matrix" in str(info.value)
    with pytest.raises(bp.InputError, match="kinds: posterior"):
        res.plot("nonsense")


def test_one_correlation_from_r_and_n_and_kendall_draw():
    assert _draw_every_kind(bp.correlate(r=0.3, n=46, robustness=True))
    kendall = bp.correlate("demo", ["alliance_m12", "contacts_m12"], method="kendall",
                           robustness=True)  # fmt: skip
    assert "robustness" in _draw_every_kind(kendall)


def test_regressions_design_and_model_averaging_draw():
    blocks = bp.regress("demo", "recovery_m24", [["recovery_m0", "female"], ["alliance_m24"]],
                        factors=["female"], robustness=True, influence=True)  # fmt: skip
    kinds = _draw_every_kind(blocks)
    assert kinds[0] == "forest" and {"robustness", "influence"} <= set(kinds)
    bma = bp.regress("demo", "recovery_m24", [["recovery_m0"]], method="bma",
                     candidates=["contacts_m24", "alliance_m24"])  # fmt: skip
    assert _draw_every_kind(bma) == ["bma"]
    assert _draw_every_kind(bp.design(n=46, rho=0.3)) == ["design"]
    with pytest.raises(bp.InputError, match="no plot applies"):
        bp.design(effect=0.3, se=0.15).plot()
    with pytest.raises(bp.InputError, match="takes no options"):
        bp.design(n=46, rho=0.3).plot("design", wave="m12")


def test_the_notebook_display_holds_the_main_table_formatted():
    res = bp.correlate("demo", NAMES)
    html = res._repr_html_()
    assert "<table>" in html and "SYNTHETIC DATA" in html
    for header in ("pair", "r", "p", "BF10", "median"):
        assert f"<th>{header}</th>" in html
    assert "alliance_m24 ~ satisfaction_m24" in html and "&lt; .001" in html
    assert "Prior: stretched beta prior" in html and "Plots: posterior, forest" in html
    text = str(res)
    assert "0.352" in text and "269" in text  # BF10 to three significant digits, never 0.35
    kendall = bp.correlate(tau=0.2, n=40)
    assert "<th>tau-b</th>" in kendall._repr_html_()
    design = str(bp.design(n=46, rho=0.3))
    assert "P(BF10 > 3)" in design and "p_bf10_gt_3" not in design
    assert repr(res) == "Result(correlation, SYNTHETIC data, 3 pairs)"


def test_display_formats_numbers_for_reading():
    from bayes_peer.report.display import sig3

    assert sig3(0.2996) == "0.300" and sig3(13.46) == "13.5" and sig3(269.4) == "269"
    assert sig3(0.04123) == "0.0412" and sig3(None) == "—" and sig3(math.nan) == "—"
    assert sig3(-0.0000001) == "-1.00e-07" and sig3(0.0) == "0" and sig3(12) == "12"


@pytest.mark.slow
def test_mcmc_results_draw_every_kind_that_applies():
    joint = bp.correlate("demo", NAMES, method="joint", quiet=True, **SHORT)
    kinds = _draw_every_kind(joint)
    assert {"posterior", "forest", "matrix", "diagnostics", "ppc"} <= set(kinds)
    pc = joint.plot("posterior")
    assert type(pc).__name__ == "PlotCollection"
    fig = figure_of(pc)
    labels = {t.get_text() for legend in fig.legends for t in legend.get_texts()}
    assert {"MCMC posterior", "exact posterior (BF's prior)", "Pearson r, 95% CI"} <= labels
    assert any("prior" in label for label in labels)
    waves = bp.correlate("demo", ["alliance", "qol"], waves=["m12", "m24"], method="joint",
                         quiet=True, **SHORT)  # fmt: skip
    assert "contrast" in _draw_every_kind(waves)
    _check_figure(waves.plot("posterior", wave="m12"))
    blocks = bp.regress("demo", "recovery_m24", [["recovery_m0", "female"], ["alliance_m24"]],
                        factors=["female"], method="normal", quiet=True, **SHORT)  # fmt: skip
    kinds = _draw_every_kind(blocks)
    assert {"posterior", "forest", "delta_r2", "diagnostics", "ppc"} <= set(kinds)
    with pytest.raises(bp.InputError, match="`model` must be one of"):
        blocks.plot("diagnostics", model="nope")
    _check_figure(blocks.plot("diagnostics", model="recovery_m24_block1"))


def test_plot_option_writes_the_default_figure_and_bad_targets_are_refused_first(cli, tmp_path):
    from bayes_peer.mcmc import sampler

    target = tmp_path / "corr.png"
    status, out, err = cli("correlate", "--data", "demo", "--vars", ",".join(NAMES), "--plot",
                           str(target))  # fmt: skip
    assert status == 0, err
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    before = dict(sampler._STRUCTURES)
    for bad, fragment in ((tmp_path / "x.txt", "must end in .png"),
                          (tmp_path / "none" / "x.png", "does not exist"),
                          (target, "exists")):  # fmt: skip
        status, out, err = cli("correlate", "--data", "demo", "--vars", ",".join(NAMES),
                               "--model", "joint", "--plot", str(bad))  # fmt: skip
        assert status == 2 and fragment in err and out == ""
        assert err.count("error:") == 1
    assert sampler._STRUCTURES == before  # refused before any model was built
    svg = tmp_path / "design.svg"
    status, _, err = cli("design", "--n", "46", "--rho", "0.3", "--plot", str(svg))
    assert status == 0 and svg.read_text().lstrip().startswith("<?xml")
    pdf = tmp_path / "blocks.pdf"
    status, _, err = cli("regress", "--data", "demo", "--outcome", "recovery_m24", "--block",
                         "recovery_m0", "--block", "alliance_m24", "--plot", str(pdf))  # fmt: skip
    assert status == 0 and pdf.read_bytes()[:4] == b"%PDF"


def test_plot_command_draws_from_a_results_folder(cli, tmp_path):
    folder = tmp_path / "corr"
    status, _, err = cli("correlate", "--data", "demo", "--vars", ",".join(NAMES), "--out",
                         str(folder))  # fmt: skip
    assert status == 0, err
    for kind in ("forest", "matrix", "posterior"):
        target = tmp_path / f"{kind}.png"
        status, _, err = cli("plot", str(folder), "--kind", kind, "--out", str(target))
        assert status == 0 and target.is_file(), err
    status, _, err = cli("plot", str(folder), "--kind", "diagnostics", "--out",
                         str(tmp_path / "d.png"))  # fmt: skip
    assert status == 2 and "does not apply" in err
    status, _, err = cli("plot", str(tmp_path), "--out", str(tmp_path / "e.png"))
    assert status == 2 and "not a results folder" in err


@pytest.mark.slow
def test_the_notebook_executes_with_its_plots(tmp_path):
    import nbclient
    import nbformat

    notebook = nbformat.read(ROOT / "docs" / "notebooks" / "reanalysis.ipynb", as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute()  # raises CellExecutionError on any cell's error
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    tables = [o for o in outputs if "<table>" in o.get("data", {}).get("text/html", "")]
    assert len(images) >= 6 and len(tables) >= 4
    assert not [o for o in outputs if o.get("output_type") == "error"]


def test_calibration_and_exact_demo_results_draw(tmp_path):
    coverage = bp.calibrate(study="frequentist", rho=[0.0, 0.3], n=[20], reps=20, report=False)
    assert _draw_every_kind(coverage) == ["calibration"]
    demo = bp.demo(exact=True, out=tmp_path / "exact")
    kinds = _draw_every_kind(demo)
    assert kinds[0] == "matrix" and "forest" in kinds


@pytest.mark.slow
def test_a_run_draws_from_its_folder(tmp_path):
    spec = tmp_path / "small.toml"
    spec.write_text('[data]\ncsv = "demo"\n[correlations]\nvariables = ["alliance_m24", '
                    '"qol_m24"]\n[regressions]\noutcomes = ["qol_m24"]\nblocks = '
                    '[["qol_m0"], ["alliance_m24"]]\nbma = true\n[sampler]\ndraws = 150\n'
                    'tune = 150\nchains = 2\n')  # fmt: skip
    run = bp.run(spec, out=tmp_path / "out", report=False)
    kinds = _draw_every_kind(run)
    assert {"matrix", "forest", "bma", "diagnostics", "ppc", "posterior"} <= set(kinds)
    _check_figure(run.plot("forest", spec="small"))
