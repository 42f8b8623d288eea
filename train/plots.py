"""The run folder's pictures: learning curves and the test confusion matrix."""
import os

import numpy as np


def plot_results(run_dir, history, confusion):
    import matplotlib
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_err) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", label="train (augmented)")
    ax_loss.plot(epochs, [h["test_loss"] for h in history], "o-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="loss (cross-entropy, or MAP with --output rbf)", title="Loss", yscale="log")
    ax_err.plot(epochs, [100 * (1 - h["train_accuracy"]) for h in history], "o-", label="train (augmented)")
    ax_err.plot(epochs, [100 * (1 - h["test_accuracy"]) for h in history], "o-", label="test")
    ax_err.set(xlabel="epoch", ylabel="error %", title="Error rate", yscale="log")
    for ax in (ax_loss, ax_err):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(run_dir, "learning_curves.png"), dpi=100)
    plt.close(fig)

    confusion = np.array(confusion)
    fig, ax = plt.subplots(figsize=(6, 5.5))
    shown = confusion.astype(float)            # (10, 10), or (10, 11) with a "not a digit" column
    np.fill_diagonal(shown, np.nan)  # the diagonal would drown the errors' colour scale
    im = ax.imshow(shown, cmap="Reds")
    for (i, j), v in np.ndenumerate(confusion):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=7, color="black" if i != j else "#1f5f1f")
    ax.set(xticks=range(confusion.shape[1]), yticks=range(10), xlabel="predicted (10: not a digit)"
           if confusion.shape[1] > 10 else "predicted", ylabel="true digit",
           title="Test confusion (%d errors)" % (confusion.sum() - np.trace(confusion)))
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(os.path.join(run_dir, "confusion_matrix.png"), dpi=100)
    plt.close(fig)
