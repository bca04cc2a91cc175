"""The task file subset: what parses, what is merged, and every way a file can be wrong."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from evalatlas.errors import ConfigError, DataError
from evalatlas.tasks import PromptOptions, YamlTask
from evalatlas.tasks.config import SUPPORTED_KEYS

BASE = """
task: tiny
dataset_path: local/tiny
output_type: multiple_choice
test_split: test
doc_to_text: "Q: {{question}}\\nA:"
doc_to_choice: "{{options}}"
doc_to_target: "{{gold}}"
"""
ROWS = [
    {"question": "Sky colour?", "options": ["red", "blue"], "gold": 1},
    {"question": "Grass colour?", "options": ["green", "pink"], "gold": 0},
    {"question": "Snow colour?", "options": ["white", "black"], "gold": 0},
]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def write_rows(data_dir: Path, relative: str, rows: list[dict[str, object]]) -> None:
    path = data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    write_rows(directory, "local/tiny/test.jsonl", ROWS)
    return directory


def test_minimal_task_defaults(tmp_path: Path, data_dir: Path) -> None:
    task = YamlTask.from_file(write(tmp_path / "tiny.yaml", BASE))
    assert task.name == "tiny"
    assert task.version == "0"
    assert task.default_num_fewshot == 0
    assert task.metric_names() == ["acc", "acc_norm"]
    data = task.load(data_dir, limit=2)
    assert [s.input for s in data.samples] == ["Q: Sky colour?\nA:", "Q: Grass colour?\nA:"]
    assert data.samples[0].choices == ("red", "blue")
    assert data.samples[0].target == 1
    assert len(data.fewshot_pool) == 3  # the pool is the whole evaluated split
    assert data.source.startswith(f"local:{data_dir / 'local/tiny/test.jsonl'}")


def test_include_is_merged_underneath_and_nests(tmp_path: Path) -> None:
    write(tmp_path / "templates" / "_base.yaml", BASE + "metadata: {version: 3}\n")
    write(tmp_path / "templates" / "_middle_yaml", "include: _base.yaml\ntarget_delimiter: ':'\n")
    path = write(
        tmp_path / "child.yaml",
        "include: templates/_middle_yaml\ntask: child\nmetric_list: [{metric: acc}]\n",
    )
    task = YamlTask.from_file(path)
    assert task.name == "child"
    assert task.version == "3"
    assert task.config.target_delimiter == ":"
    assert task.config.doc_to_text == "Q: {{question}}\nA:"
    assert task.metric_names() == ["acc"]


def test_include_cycle_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "include: b.yaml\ntask: a\n")
    write(tmp_path / "b.yaml", "include: a.yaml\n")
    with pytest.raises(ConfigError, match="include cycle"):
        YamlTask.from_file(tmp_path / "a.yaml")


def test_missing_include_names_the_including_file(tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", "include: gone.yaml\ntask: a\n")
    with pytest.raises(ConfigError, match=rf"{path}: include 'gone.yaml': no such file"):
        YamlTask.from_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nothing\.yaml: no such task file"):
        YamlTask.from_file(tmp_path / "nothing.yaml")


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "task: x\ndataset_path: y\ndoc_to_text: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:4: invalid YAML") as caught:
        YamlTask.from_file(path)
    assert "\n" not in str(caught.value)


def test_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be a mapping of keys, found list"):
        YamlTask.from_file(write(tmp_path / "list.yaml", "- a\n- b\n"))


def test_unknown_key_is_refused_with_suggestion_and_supported_keys(tmp_path: Path) -> None:
    path = write(tmp_path / "typo.yaml", BASE + "num_fewshots: 5\n")
    with pytest.raises(ConfigError) as caught:
        YamlTask.from_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: unknown key 'num_fewshots'. Did you mean 'num_fewshot'")
    assert "Supported keys: " + ", ".join(SUPPORTED_KEYS) in message


def test_unknown_nested_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "nested.yaml", BASE + "metric_list: [{metric: acc, weight: 2}]\n")
    with pytest.raises(ConfigError, match=r"nested\.yaml: metric_list\.0\.weight: unknown key"):
        YamlTask.from_file(path)


def test_harmless_lm_eval_keys_are_accepted(tmp_path: Path) -> None:
    extra = """
    tag: [science]
    task_alias: tiny task
    should_decontaminate: true
    doc_to_decontamination_query: question
    metadata: {version: 2.0, num_fewshot: 0}
    """
    task = YamlTask.from_file(write(tmp_path / "t.yaml", BASE + textwrap.dedent(extra)))
    assert task.version == "2.0"


def test_function_tag_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "code.yaml", BASE + "process_docs: !function utils.process_docs\n")
    with pytest.raises(ConfigError) as caught:
        YamlTask.from_file(path)
    assert str(caught.value) == (
        f"{path}:9: !function runs Python; EvalAtlas task files cannot run code — "
        "use a built-in adapter or a Python task"
    )


def test_other_python_tags_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "py.yaml", BASE + "description: !!python/object/apply:os.getcwd []\n")
    with pytest.raises(ConfigError, match=r"py\.yaml:9: invalid YAML"):
        YamlTask.from_file(path)


def test_template_syntax_error_names_key(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", BASE.replace("Q: {{question}}", "Q: {{question"))
    with pytest.raises(ConfigError, match=r"t\.yaml: doc_to_text: invalid template"):
        YamlTask.from_file(path)


def test_undefined_template_field_names_task_sample_and_field(
    tmp_path: Path, data_dir: Path
) -> None:
    path = write(tmp_path / "t.yaml", BASE.replace("{{question}}", "{{questoin}}"))
    task = YamlTask.from_file(path)
    with pytest.raises(DataError) as caught:
        task.load(data_dir, limit=1)
    assert str(caught.value).startswith(
        "task tiny, sample 0: doc_to_text uses field 'questoin', which the row lacks"
    )


def test_undefined_nested_field(tmp_path: Path, data_dir: Path) -> None:
    path = write(tmp_path / "t.yaml", BASE.replace("{{options}}", "{{options.text}}"))
    with pytest.raises(DataError, match="doc_to_choice uses field 'text'"):
        YamlTask.from_file(path).load(data_dir, limit=1)


def test_row_missing_a_column_is_named(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rows = [dict(ROWS[0]), {"question": "No gold here", "options": ["a", "b"]}]
    write_rows(data_dir, "local/tiny/test.jsonl", rows)
    task = YamlTask.from_file(write(tmp_path / "t.yaml", BASE.replace('"{{gold}}"', "gold")))
    with pytest.raises(
        DataError, match="task tiny, sample 1: doc_to_target: the row has no field 'gold'"
    ):
        task.load(data_dir, limit=None)


def test_bare_name_is_always_a_column(tmp_path: Path, data_dir: Path) -> None:
    # A typo in a column name must not turn into the constant text "golds".
    task = YamlTask.from_file(write(tmp_path / "t.yaml", BASE.replace('"{{gold}}"', "golds")))
    with pytest.raises(DataError, match="sample 0: doc_to_target: the row has no field 'golds'"):
        task.load(data_dir, limit=1)


def test_choice_template_that_is_not_a_list_literal(tmp_path: Path, data_dir: Path) -> None:
    path = write(tmp_path / "t.yaml", BASE.replace('"{{options}}"', '"{{question}}"'))
    with pytest.raises(
        DataError, match="doc_to_choice rendered 'Sky colour\\?', which is not a Python"
    ):
        YamlTask.from_file(path).load(data_dir, limit=1)


def test_choice_as_list_and_column_and_target_as_int_or_text(
    tmp_path: Path, data_dir: Path
) -> None:
    text = BASE.replace('"{{options}}"', "[nope, yep]").replace('"{{gold}}"', "1")
    data = YamlTask.from_file(write(tmp_path / "a.yaml", text)).load(data_dir, 1)
    assert data.samples[0].choices == ("nope", "yep")
    assert data.samples[0].target == 1
    text = BASE.replace('"{{options}}"', "options").replace('"{{gold}}"', '"{{options[gold]}}"')
    data = YamlTask.from_file(write(tmp_path / "b.yaml", text)).load(data_dir, 1)
    assert data.samples[0].choices == ("red", "blue")
    assert data.samples[0].target == 1  # the answer text, found among the choices


def test_metric_not_available_for_output_type(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", BASE + "metric_list: [{metric: exact_match}]\n")
    with pytest.raises(
        ConfigError, match="metric 'exact_match' is not available for multiple_choice"
    ):
        YamlTask.from_file(path)


def test_mc2_cannot_be_mixed_with_acc(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", BASE + "metric_list: [{metric: mc2}, {metric: acc}]\n")
    with pytest.raises(ConfigError, match="mc2 scores against several true answers"):
        YamlTask.from_file(path)


def test_wrong_value_type_is_named_once(tmp_path: Path) -> None:
    # YAML reads a bare yes/no as booleans: the message shows the value that arrived.
    path = write(tmp_path / "t.yaml", BASE.replace('"{{options}}"', "[no, yes]"))
    with pytest.raises(ConfigError) as caught:
        YamlTask.from_file(path)
    assert str(caught.value) == f"{path}: doc_to_choice: invalid value [False, True]"


def test_unsupported_output_type(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", BASE.replace("multiple_choice", "loglikelihood"))
    with pytest.raises(ConfigError, match="output_type: Input should be 'multiple_choice'"):
        YamlTask.from_file(path)


GEN = """
task: gen
dataset_path: local/tiny
output_type: generate_until
test_split: test
doc_to_text: "{{question}}"
doc_to_target: "{{gold}}"
"""


def test_bad_filter_regex_is_named(tmp_path: Path) -> None:
    text = GEN + "filter_list: [{name: f, filter: [{function: regex, regex_pattern: '(['}]}]\n"
    with pytest.raises(ConfigError, match=r"t\.yaml: filter 'f': .*\(\["):
        YamlTask.from_file(write(tmp_path / "t.yaml", text))


def test_temperature_without_sampling_is_refused(tmp_path: Path) -> None:
    text = GEN + "generation_kwargs: {temperature: 0.7}\n"
    with pytest.raises(ConfigError, match="do_sample is false"):
        YamlTask.from_file(write(tmp_path / "t.yaml", text))


def test_generation_defaults_follow_lm_eval(tmp_path: Path) -> None:
    task = YamlTask.from_file(write(tmp_path / "t.yaml", GEN))
    assert task.metric_names() == ["exact_match,none"]
    assert task.generation_kwargs() == {
        "until": ["\n\n"],
        "max_gen_toks": 256,
        "temperature": 0.0,
        "do_sample": False,
    }


def test_content_hash_follows_the_prompt(tmp_path: Path) -> None:
    first = YamlTask.from_file(write(tmp_path / "a.yaml", BASE)).content_hash()
    same = YamlTask.from_file(write(tmp_path / "b.yaml", "# comment\n" + BASE)).content_hash()
    changed = YamlTask.from_file(write(tmp_path / "c.yaml", BASE.replace("Q:", "Question:")))
    assert first == same
    assert changed.content_hash() != first
    bumped = YamlTask.from_file(write(tmp_path / "d.yaml", BASE + "metadata: {version: 9}\n"))
    assert bumped.content_hash() != first


def test_local_data_block_with_dataset_name(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    write_rows(data_dir, "mine/colours_eval.jsonl", ROWS[:2])
    write_rows(data_dir, "mine/colours_shots.jsonl", ROWS[2:])
    text = BASE + textwrap.dedent(
        """
        dataset_name: colours
        local_data:
          test: mine/{dataset_name}_eval.jsonl
          fewshot: mine/{dataset_name}_shots.jsonl
        """
    )
    task = YamlTask.from_file(write(tmp_path / "t.yaml", text))
    data = task.load(data_dir, limit=None)
    assert len(data.samples) == 2
    assert [s.id for s in data.fewshot_pool] == ["fewshot-0"]
    prepared = task.prepare(data, PromptOptions(num_fewshot=1))
    assert prepared[0].prompt == "Q: Snow colour?\nA: white\n\nQ: Sky colour?\nA:"


def test_conventional_layout_without_a_fewshot_file(tmp_path: Path, data_dir: Path) -> None:
    task = YamlTask.from_file(write(tmp_path / "t.yaml", BASE + "training_split: train\n"))
    data = task.load(data_dir, limit=None)
    assert data.fewshot_pool == ()
    assert "no few-shot pool (looked for" in data.source
    assert len(task.prepare(data, PromptOptions())) == 3
    with pytest.raises(DataError, match="task tiny: 1-shot needs a few-shot pool"):
        task.prepare(data, PromptOptions(num_fewshot=1))


def test_missing_local_split_lists_where_it_looked(tmp_path: Path, data_dir: Path) -> None:
    task = YamlTask.from_file(
        write(tmp_path / "t.yaml", BASE.replace("test_split: test", "validation_split: validation"))
    )
    with pytest.raises(
        DataError, match=r"no local file for split 'validation': looked for .*validation\.\{jsonl"
    ):
        task.load(data_dir, limit=None)


SAMPLES = """
fewshot_config:
  sampler: first_n
  samples:
    - question: Fire colour?
      options: [blue, orange]
      gold: 1
    - question: Coal colour?
      options: [black, white]
      gold: 0
"""


def test_fewshot_samples_written_in_the_file_are_the_pool(tmp_path: Path, data_dir: Path) -> None:
    task = YamlTask.from_file(write(tmp_path / "t.yaml", BASE + SAMPLES))
    data = task.load(data_dir, limit=1)
    assert data.source.endswith("; few-shot pool: 2 rows of the task file")
    assert [s.id for s in data.fewshot_pool] == ["fewshot-0", "fewshot-1"]
    (prepared,) = task.prepare(data, PromptOptions(num_fewshot=2))
    assert prepared.prompt == (
        "Q: Fire colour?\nA: orange\n\nQ: Coal colour?\nA: black\n\nQ: Sky colour?\nA:"
    )
    with pytest.raises(DataError, match="asked for 3 few-shot examples"):
        task.prepare(data, PromptOptions(num_fewshot=3))
    # The rows are part of the task's content: another example is another task.
    changed = YamlTask.from_file(write(tmp_path / "u.yaml", BASE + SAMPLES.replace("Coal", "Ash")))
    assert changed.content_hash() != task.content_hash()


def test_fewshot_samples_and_a_local_fewshot_file_conflict(tmp_path: Path) -> None:
    text = BASE + SAMPLES + "local_data: {test: t.jsonl, fewshot: shots.jsonl}\n"
    with pytest.raises(ConfigError, match=r"fewshot_config\.samples and local_data\.fewshot"):
        YamlTask.from_file(write(tmp_path / "t.yaml", text))
    with pytest.raises(ConfigError, match=r"fewshot_config\.samples"):
        YamlTask.from_file(write(tmp_path / "e.yaml", BASE + "fewshot_config: {samples: []}\n"))


def test_absent_local_fewshot_file_only_blocks_few_shot_runs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    write_rows(data_dir, "mine/eval.jsonl", ROWS)
    text = BASE + "local_data: {test: mine/eval.jsonl, fewshot: mine/shots.jsonl}\n"
    task = YamlTask.from_file(write(tmp_path / "t.yaml", text))
    data = task.load(data_dir, limit=None)
    assert data.fewshot_pool == ()
    assert len(task.prepare(data, PromptOptions())) == 3
    with pytest.raises(DataError, match=r"2-shot needs a few-shot pool.*shots\.jsonl is absent"):
        task.prepare(data, PromptOptions(num_fewshot=2))


def test_metadata_n_choices_and_sample_metadata(tmp_path: Path, data_dir: Path) -> None:
    constant = YamlTask.from_file(
        write(tmp_path / "c.yaml", BASE.replace('"{{options}}"', "[left, right, middle]"))
    )
    assert constant.n_choices == 3  # the length of a constant choice list
    assert YamlTask.from_file(write(tmp_path / "t.yaml", BASE)).n_choices is None
    declared = YamlTask.from_file(
        write(tmp_path / "d.yaml", BASE + "metadata: {n_choices: 4, sample_metadata: [gold]}\n")
    )
    assert declared.n_choices == 4
    data = declared.load(data_dir, limit=None)
    assert [s.metadata for s in data.samples] == [{"gold": 1}, {"gold": 0}, {"gold": 0}]
    missing = YamlTask.from_file(
        write(tmp_path / "m.yaml", BASE + "metadata: {sample_metadata: [topic]}\n")
    )
    with pytest.raises(DataError, match=r"task tiny, sample 0: metadata\.sample_metadata names"):
        missing.load(data_dir, limit=None)
    for bad in ("n_choices: 0", "n_choices: true", "sample_metadata: topic"):
        with pytest.raises(ConfigError, match=f"metadata.{bad.split(':')[0]}"):
            YamlTask.from_file(write(tmp_path / "b.yaml", BASE + f"metadata: {{{bad}}}\n"))
