"""Each framework integration on a tiny real CPU training job under ``git ml run``:
params, per-step metrics and the model in the framework's own format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integrations.conftest import history

pytestmark = pytest.mark.slow

LIGHTNING = """\
import torch, lightning as L
from torch.utils.data import DataLoader, TensorDataset
from gitml.tracking.integrations.lightning import GitmlLogger

class Tiny(L.LightningModule):
    def __init__(self, lr=0.05, hidden=4):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    def training_step(self, batch, _i):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

torch.manual_seed(0)
x = torch.randn(64, 3); y = x.sum(1, keepdim=True)
trainer = L.Trainer(max_epochs=3, logger=GitmlLogger(), log_every_n_steps=1,
                    enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
trainer.fit(Tiny(), DataLoader(TensorDataset(x, y), batch_size=16))
"""

KERAS = """\
import numpy as np, keras
from gitml.tracking.integrations.keras import GitmlCallback
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 3)).astype("float32"); y = x.sum(1, keepdims=True)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[GitmlCallback()])
"""

TRANSFORMERS = """\
import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments
from gitml.tracking.integrations.transformers import GitmlCallback
torch.manual_seed(0)
config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=16, max_position_embeddings=16, num_labels=2)
model = BertForSequenceClassification(config)
class Data(torch.utils.data.Dataset):
    def __len__(self): return 32
    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return {"input_ids": torch.randint(0, 50, (8,), generator=g), "labels": torch.tensor(i % 2)}
args = TrainingArguments(output_dir="out", num_train_epochs=2, per_device_train_batch_size=8,
                         logging_steps=1, report_to=[], save_strategy="no", use_cpu=True,
                         disable_tqdm=True, learning_rate=1e-3)
Trainer(model=model, args=args, train_dataset=Data(), callbacks=[GitmlCallback()]).train()
"""

XGBOOST = """\
import numpy as np, xgboost as xgb
from gitml.tracking.integrations.xgboost import GitmlCallback
rng = np.random.default_rng(0)
x = rng.normal(size=(200, 4)); y = (x[:, 0] > 0).astype(int)
train = xgb.DMatrix(x[:150], label=y[:150]); valid = xgb.DMatrix(x[150:], label=y[150:])
xgb.train({"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "eval_metric": "logloss"},
          train, num_boost_round=5, evals=[(valid, "valid")], callbacks=[GitmlCallback()])
"""

LIGHTGBM = """\
import numpy as np, lightgbm as lgb
from gitml.tracking.integrations.lightgbm import gitml_callback
rng = np.random.default_rng(0)
x = rng.normal(size=(200, 4)); y = (x[:, 0] > 0).astype(int)
train = lgb.Dataset(x[:150], y[:150]); valid = lgb.Dataset(x[150:], y[150:], reference=train)
lgb.train({"objective": "binary", "num_leaves": 4, "learning_rate": 0.2, "verbose": -1,
           "metric": "binary_logloss"}, train, num_boost_round=5, valid_sets=[valid],
          valid_names=["valid"], callbacks=[gitml_callback()])
"""

OPTUNA = """\
import optuna
from gitml.tracking.integrations.optuna import GitmlCallback
optuna.logging.set_verbosity(optuna.logging.WARNING)
def objective(trial):
    x = trial.suggest_float("x", -4, 4)
    return (x - 1) ** 2
study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
study.optimize(objective, n_trials=5, callbacks=[GitmlCallback()])
print(study.best_trial.number)
"""

SKLEARN = """\
import numpy as np
import gitml
from sklearn.linear_model import LogisticRegression
gitml.autolog()
rng = np.random.default_rng(0)
x = rng.normal(size=(100, 3)); y = (x[:, 0] > 0).astype(int)
LogisticRegression(C=0.5).fit(x, y)
"""


def only(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (run,) = runs.values()
    return run


def model_of(run: dict[str, Any]) -> dict[str, Any]:
    model: dict[str, Any] = json.loads(run["tags"]["gitml.model"])
    assert model["path"] in run["outputs"]
    return model


def test_lightning_logger(train: Any, repo_with_commit: Path) -> None:
    run = only(train(LIGHTNING))
    assert run["params"] == {"lr": 0.05, "hidden": 4}
    assert len(history(repo_with_commit, run["id"], "train_loss")) >= 6
    assert model_of(run) == {"path": "model.ckpt", "flavor": "pytorch"}


def test_keras_callback(train: Any, repo_with_commit: Path) -> None:
    run = only(train(KERAS))
    assert run["params"]["epochs"] == 3
    assert run["params"]["optimizer.learning_rate"] == pytest.approx(0.05)
    assert [s for s, _v in history(repo_with_commit, run["id"], "loss")] == [0, 1, 2]
    assert model_of(run) == {
        "path": "model.keras",
        "flavor": "keras",
        "model_class": model_of(run)["model_class"],
    }


def test_transformers_callback(train: Any, repo_with_commit: Path) -> None:
    run = only(train(TRANSFORMERS))
    assert run["params"]["learning_rate"] == pytest.approx(1e-3)
    assert run["params"]["model.hidden_size"] == 16
    assert len(history(repo_with_commit, run["id"], "loss")) >= 4
    assert model_of(run) == {"path": "model", "flavor": "transformers"}


def test_xgboost_callback(train: Any, repo_with_commit: Path) -> None:
    run = only(train(XGBOOST))
    assert run["params"]["max_depth"] == "2"
    assert [s for s, _v in history(repo_with_commit, run["id"], "valid-logloss")] == list(range(5))
    assert model_of(run)["path"] == "model.ubj"


def test_lightgbm_callback(train: Any, repo_with_commit: Path) -> None:
    run = only(train(LIGHTGBM))
    assert run["params"]["num_leaves"] == 4
    assert [s for s, _v in history(repo_with_commit, run["id"], "valid-binary_logloss")] == list(
        range(5)
    )
    assert model_of(run)["path"] == "model.txt"


def test_optuna_trials_are_runs_of_one_sweep_with_the_best_marked(train: Any) -> None:
    runs = train(OPTUNA)
    trials = {n: r for n, r in runs.items() if n.startswith("trial-")}
    (study,) = [r for n, r in runs.items() if not n.startswith("trial-")]
    assert sorted(trials) == [f"trial-{i}" for i in range(5)]
    for trial in trials.values():
        assert (trial["parent"], trial["sweep"]) == (study["id"], study["id"])
        assert set(trial["params"]) == {"x"}
        assert trial["metrics"]["value"] == pytest.approx((trial["params"]["x"] - 1) ** 2)
    best = min(trials.values(), key=lambda r: r["metrics"]["value"])
    assert [r["name"] for r in trials.values() if r["tags"].get("gitml.best") == "true"] == [
        best["name"]
    ]
    assert study["tags"]["gitml.best_run"] == best["id"]
    assert study["params"]["best.x"] == best["params"]["x"]


def test_sklearn_autolog(train: Any) -> None:
    run = only(train(SKLEARN))
    assert run["params"]["C"] == 0.5
    assert 0.5 < run["metrics"]["training_accuracy_score"] <= 1
    assert "training_roc_auc" in run["metrics"]
    assert run["tags"]["estimator_name"] == "LogisticRegression"
    assert model_of(run)["flavor"] == "sklearn"


MODELS = """\
import json, sys
import numpy as np, torch, keras, xgboost as xgb, lightgbm as lgb
from sklearn.linear_model import LogisticRegression
import gitml

rng = np.random.default_rng(0)
x = rng.normal(size=(60, 3)).astype("float32"); y = (x[:, 0] > 0).astype(int)
models = {
    "sklearn": LogisticRegression().fit(x, y),
    "xgboost": xgb.train({"max_depth": 2}, xgb.DMatrix(x, label=y), num_boost_round=3),
    "lightgbm": lgb.train({"verbose": -1, "num_leaves": 4}, lgb.Dataset(x, y), num_boost_round=3),
    "pytorch": torch.nn.Linear(3, 1),
    "keras": keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]),
}

def predict(flavor, model):
    if flavor == "xgboost":
        return model.predict(xgb.DMatrix(x[:5]))
    if flavor == "pytorch":
        with torch.no_grad():
            return model(torch.from_numpy(x[:5])).numpy()
    return model.predict(x[:5], **({"verbose": 0} if flavor == "keras" else {}))

for flavor, model in models.items():
    with gitml.start_run(name=f"model-{flavor}"):
        stored = gitml.log_model(model, "model")
    loaded = gitml.load_model(f"model-{flavor}")
    same = np.allclose(np.asarray(predict(flavor, model)), np.asarray(predict(flavor, loaded)))
    print(json.dumps([flavor, stored, type(loaded).__name__, bool(same)]))
"""


def test_log_model_saves_native_formats_that_load_model_reads_back(
    frameworks_python: Path, repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from tests.support.core import cli, git
    from tests.support.runs import setup_ml_env

    env = setup_ml_env(tmp_path, monkeypatch)
    env["KERAS_BACKEND"] = "torch"
    (repo_with_commit / "models.py").write_text(MODELS)
    proc = subprocess.run(
        [str(frameworks_python), "models.py"], cwd=repo_with_commit, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("[")]
    assert [(f, s, same) for f, s, _t, same in rows] == [
        ("sklearn", "model.pkl", True),
        ("xgboost", "model.ubj", True),
        ("lightgbm", "model.txt", True),
        ("pytorch", "model.pth", True),
        ("keras", "model.keras", True),
    ]
    # A registered version, by stage: the reviewed way (promote, merge, apply).
    monkeypatch.chdir(repo_with_commit)
    assert cli("model", "register", "churn", "--run", "model-xgboost").exit_code == 0
    assert cli("promote", "churn", "1", "production").exit_code == 0
    git(repo_with_commit, "add", ".gitml")
    git(repo_with_commit, "commit", "-q", "-m", "churn 1 to production")
    assert cli("registry", "apply").exit_code == 0
    load = "import gitml; print(type(gitml.load_model('churn@production')).__name__)"
    out = subprocess.run(
        [str(frameworks_python), "-c", load], cwd=repo_with_commit, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == "Booster"
