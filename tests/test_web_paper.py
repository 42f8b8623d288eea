"""The page with weights trained by --paper: RBF outputs, whose probabilities come from the MAP
formula and whose rubbish class is the "not a digit" bar."""
import shutil

import pytest

from scripts.drawing import DIGITS, draw
from web_helpers import broken_site, settle, shown_probabilities


def test_the_page_answers_with_rbf_weights(page, tmp_path, runtime_ready, paper_weights):
    def paper(weights):
        shutil.rmtree(str(weights))
        shutil.copytree(str(paper_weights / "weights"), str(weights))

    with broken_site(tmp_path, break_weights=paper) as url:
        page.goto(url)
        page.wait_for_selector("body[data-state=ready]", timeout=60000)
        assert "the paper's RBF outputs" in page.inner_text("body")
        draw(page, DIGITS[1])
        settle(page)
        result = page.evaluate("window.lenetDebug.lastResult")
        assert result["best"] == 1 and not result["empty"], result
        # Ten digits and the rubbish class: one distribution, all of it on screen.
        assert sum(result["probabilities"]) + result["not_digit"] == pytest.approx(1.0, abs=1e-5)
        assert shown_probabilities(page) == pytest.approx(result["probabilities"])
        none = page.locator("[data-testid=probabilities] li[data-digit=none]")
        assert float(none.get_attribute("data-probability")) == pytest.approx(result["not_digit"])
        prediction = page.get_attribute("body", "data-prediction")
        assert prediction == ("unsure" if result["unsure"] else "1")
