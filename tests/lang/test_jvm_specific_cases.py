"""The list of corpus cases that test the JVM rather than Jactl (jvm_specific_cases.txt)
names only real cases that still fail: a case that starts passing must leave the list, so the
list never hides a case the implementation could pass."""

import importlib.util
import json
import os

import pytest

import lang

HERE = os.path.dirname(os.path.abspath(__file__))
LIST = os.path.join(HERE, "jvm_specific_cases.txt")
CONFORMANCE = os.path.join(HERE, "..", "..", "..", "shared", "conformance")
CORPUS = os.path.join(CONFORMANCE, "jactl-cases.jsonl")


def listed():
    out = []
    with open(LIST, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                case_id, _, reason = line.partition("|")
                out.append((case_id.strip(), reason.strip()))
    return out


def test_each_entry_has_one_reason_and_appears_once():
    entries = listed()
    assert entries
    assert all(reason for _, reason in entries)
    ids = [i for i, _ in entries]
    assert len(ids) == len(set(ids))


@pytest.fixture(scope="module")
def corpus():
    if not os.path.exists(CORPUS):
        pytest.skip("the conformance corpus (../shared/conformance) is not beside the repository")
    cases = {}
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            cases[c["id"]] = c
    spec = importlib.util.spec_from_file_location("run_conformance",
                                                  os.path.join(CONFORMANCE, "run_conformance.py"))
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    return cases, runner


@pytest.mark.parametrize("case_id", [i for i, _ in listed()])
def test_listed_case_exists_and_still_fails(corpus, case_id):
    cases, runner = corpus
    assert case_id in cases
    status, detail, _ = runner.run_one(lang, cases[case_id], {"checkpoint": False,
                                                              "strict_decimal": False})
    assert status == "fail", f"{case_id} passes now: remove it from jvm_specific_cases.txt"
