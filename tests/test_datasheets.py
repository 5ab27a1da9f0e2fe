"""Every data file of the six workbooks has a datasheet: valid, naming exactly the CSV's
columns with human labels, true to the generator that writes the file, and released to
students beside the file."""

from __future__ import annotations

import pytest

from careerlab import course
from careerlab.author.datasets import generators
from careerlab.author.datasheets import check_datasheets, csv_header, load_datasheet
from careerlab.workbook.datasheet import column_label, column_labels, datasheet_path

from .conftest import REPO

WORKBOOKS = REPO / "workbooks"
DATA_FILES = sorted(WORKBOOKS.glob("*/*.csv"))


def test_there_are_data_files_to_check():
    assert len(DATA_FILES) == len(generators()) == 8


@pytest.mark.parametrize("name", [p.name for p in course.assignments(REPO)])
def test_every_workbook_has_valid_datasheets(name):
    assert check_datasheets(WORKBOOKS / name) == []


@pytest.mark.parametrize("data", DATA_FILES, ids=lambda p: p.name)
def test_a_datasheet_labels_every_real_column_for_people(data):
    sheet = load_datasheet(datasheet_path(data))
    header = csv_header(data)
    assert [column.name for column in sheet.columns] == header
    labels = column_labels(data.parent, data.name)
    assert list(labels) == header
    for name, label in labels.items():
        # A label is words for a person, not the column's name.
        assert "_" not in label and label[0].isupper(), (name, label)
    assert sheet.title and len(sheet.about.split()) >= 20 and sheet.license


@pytest.mark.parametrize("name", sorted(generators()))
def test_each_generated_file_names_its_generator_and_seed(name):
    generate, relative = generators()[name]
    sheet = load_datasheet(datasheet_path(WORKBOOKS / relative))
    assert (sheet.made, sheet.generator, sheet.synthetic) == ("generator", name, True)
    assert sheet.seed == 2026  # every generator's SEED today


def test_labels_carry_their_units():
    labels = column_labels(WORKBOOKS / "coffee-site", "neighborhoods.csv")
    assert labels["weekday_foot_traffic"] == "Weekday foot traffic (people a day)"
    assert labels["neighborhood"] == "Neighborhood"  # no unit, no brackets


def test_a_label_ending_in_brackets_takes_its_unit_inside_them():
    labels = column_labels(WORKBOOKS / "first-paycheck", "paystubs.csv")
    assert labels["net_pay"] == "Net pay (take-home, dollars)"  # not "(take-home) (dollars)"
    assert column_label("Labor (crew)", "dollars") == "Labor (crew, dollars)"
    assert column_label("Rent (dollars)", "dollars") == "Rent (dollars)"  # said once
    assert column_label("Odd ()", "dollars") == "Odd (dollars)"
    assert column_label("Happy :)", "people") == "Happy :) (people)"  # no brackets to join
    assert column_label("Net pay (take-home)") == "Net pay (take-home)"


def test_students_get_each_datasheet_with_its_data(released_course):
    for data in DATA_FILES:
        released = released_course / "release" / data.parent.name
        assert datasheet_path(released / data.name).read_bytes() == (
            datasheet_path(data).read_bytes()
        )
        assert column_labels(released, data.name) == column_labels(data.parent, data.name)
