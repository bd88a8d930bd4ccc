"""The input data contract, as data.

Every table a cohort folder may hold is declared here once: its columns, their kinds, allowed values, ranges and
units. Validation (:mod:`tkicohort.ingest.validate`) and the institution documentation (``config/README.md``, kept in
step by ``tests/unit/test_contract_docs.py``) both read these declarations, so the contract has one source.

Why not pandera: its lazy mode, once a type coercion fails, reports the same cell several times and then runs the
value checks on the uncoerced strings, raising a TypeError with no row (measured with pandera 0.35). Messages that
name file, line, column and value for every violation at once need the coercion and the checks to be one pass, which
this small declarative layer gives; the checks themselves are vectorised pandas.

Kinds:
    ``string``    identifier-like token (patient_id, lesion_id); screened for direct identifiers
    ``text``      free text; screened for direct identifiers (free text is the riskiest field: see config/README.md)
    ``integer``   whole number (days, counts); ``12.0`` is refused for a day
    ``number``    real number
    ``flag``      0 or 1
    ``category``  one of ``allowed`` exactly (case matters: the message suggests the right spelling)
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: 1 mCi = 37 MBq = 0.037 GBq (exact by definition of the curie).
GBQ_PER_MCI = 0.037

#: Thyroglobulin and TgAb unit conversions to the normalised unit (factor multiplies the value).
#: Tg: 1 ng/mL = 1 µg/L. TgAb: 1 IU/mL = 1 kIU/L. Molar units are refused: the conversion depends on the assay.
LAB_UNITS: dict[str, dict[str, float]] = {
    "tg": {"ng/mL": 1.0, "ng/ml": 1.0, "µg/L": 1.0, "ug/L": 1.0, "ug/l": 1.0, "µg/l": 1.0},
    "tgab": {"IU/mL": 1.0, "IU/ml": 1.0, "kIU/L": 1.0, "kIU/l": 1.0, "U/mL": 1.0},
}
LAB_NORMALISED_UNIT = {"tg": "ng/mL", "tgab": "IU/mL"}

#: Before doses.csv had a ``stopped`` column, a final 0-dose row whose reason matches this (any case) recorded a
#: permanent stop; a file without ``stopped`` values keeps that meaning (see tkicohort/derive/dose_status.py).
LEGACY_STOP_REASON = r"discontinu|stop"

MET_SITES = ("met_lung", "met_bone", "met_pleura", "met_lymph_node", "met_liver", "met_brain", "met_other")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False  # the column must be in the header
    nullable: bool = True  # a blank cell is allowed
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()  # columns that together identify a row
    open: bool = False  # other columns are kept (after the identifier screen)
    description: str = ""
    aliases: dict[str, str] = field(default_factory=dict)  # accepted alternative column -> canonical column

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _id(name="patient_id", description="pseudonymous patient identifier, the same in every file"):
    return Column(name, "string", required=True, nullable=False, description=description)


def _day(name="day", description="day relative to the index date (day 0 = first dose)", **kw):
    return Column(name, "integer", required=kw.pop("required", True), nullable=kw.pop("nullable", False),
                  minimum=-3650, maximum=36500, unit="day", description=description, **kw)


PATIENTS = Table(
    "patients",
    required=True,
    unique=("patient_id",),
    open=True,
    description="one row per patient",
    aliases={"cumulative_rai_mci": "cumulative_rai_gbq"},
    columns=(
        _id(),
        Column("arm", "string", required=True, nullable=False,
               description="treatment group; one value for a single-arm cohort"),
        Column("age_years", "number", required=True, nullable=False, minimum=0, maximum=120, unit="year",
               description="age at the index date; over 89 is refused unless capped (HIPAA Safe Harbor)"),
        Column("sex", "category", allowed=("F", "M"), description="blank = not recorded; the column may be left out"),
        Column("followup_days", "integer", required=True, nullable=False, minimum=0, maximum=36500, unit="day",
               description="day of last contact"),
        Column("death", "flag", required=True, nullable=False, description="1 = died during follow-up"),
        Column("death_day", "integer", minimum=0, maximum=36500, unit="day",
               description="required when death = 1, blank otherwise; ≤ followup_days"),
        Column("histology", "category", allowed=("PTC", "FTC", "PTC+FTC", "PDTC", "OTHER")),
        Column("ata_risk", "category", allowed=("low", "intermediate", "high")),
        Column("rai_uptake", "category", allowed=("yes", "no"), description="radioiodine uptake in metastases"),
        Column("rai_refractory_reason", "text"),
        Column("rai_treatments", "integer", minimum=0, maximum=50, description="number of prior RAI courses"),
        Column("cumulative_rai_gbq", "number", minimum=0, maximum=200, unit="GBq",
               description="cumulative RAI activity; a column cumulative_rai_mci is accepted and converted "
                           "(1 mCi = 0.037 GBq)"),
        Column("prior_therapy", "category", allowed=("rai_only", "other")),
        Column("residual_lesions", "category", allowed=("yes", "no")),
        *(Column(s, "flag", description=f"{s[4:].replace('_', ' ')} metastasis at index") for s in MET_SITES),
        Column("baseline_tg_ng_ml", "number", minimum=0, unit="ng/mL",
               description="baseline thyroglobulin (used when labs.csv has no Tg on or before day 0)"),
        Column("dose_status", "category", allowed=("standard", "reduced", "interrupted", "discontinued"),
               description="overrides the status derived from doses.csv"),
        Column("excluded_reason", "text", description="why the patient is not evaluable for response; blank if evaluable"),
    ),
)

TUMOR_MEASUREMENTS = Table(
    "tumor_measurements",
    required=False,
    unique=("patient_id", "day", "lesion_id"),
    description="lesion-level RECIST 1.1 measurements, one row per lesion per assessment",
    columns=(
        _id(),
        _day(description="assessment day; the baseline is the last assessment on or before day 0"),
        Column("lesion_id", "string", required=True, nullable=False,
               description="stable across visits; fragments of a split target lesion T1 are T1/a, T1/b, ..."),
        Column("lesion_type", "category", required=True, nullable=False, allowed=("target", "non_target", "new")),
        Column("organ", "string", required=True, nullable=False,
               description="lung, bone, lymph_node, liver, neck, pleura, ..."),
        Column("nodal", "flag", required=True, nullable=False,
               description="1 = lymph node (diameter is the short axis)"),
        Column("diameter_mm", "number", required=True, minimum=0, maximum=1000, unit="mm",
               description="target lesions; blank = not evaluated; too small to measure = 5"),
        Column("status", "category", required=True, allowed=("present", "absent", "progression"),
               description="non-target and new lesions; blank = not evaluated"),
    ),
)

RESPONSES = Table(
    "responses",
    required=False,
    unique=("patient_id", "day"),
    description="investigator-assessed overall responses (alternative to tumor_measurements.csv)",
    columns=(
        _id(),
        _day(description="assessment day (> 0)"),
        Column("overall_response", "category", required=True, nullable=False,
               allowed=("CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD")),
    ),
)

LABS = Table(
    "labs",
    required=False,
    unique=("patient_id", "day", "analyte"),
    description="thyroglobulin (tg) and anti-thyroglobulin antibody (tgab) results",
    columns=(
        _id(),
        _day(),
        Column("analyte", "category", required=True, nullable=False, allowed=("tg", "tgab")),
        Column("value", "number", required=True, nullable=False, minimum=0),
        Column("unit", "string", required=True, nullable=False,
               description="tg: ng/mL or µg/L; tgab: IU/mL or kIU/L"),
    ),
)

ADVERSE_EVENTS = Table(
    "adverse_events",
    required=False,
    description="adverse events, one row per episode",
    columns=(
        _id(),
        Column("term", "text", required=True, nullable=False, description="CTCAE v5 term"),
        Column("grade", "integer", required=True, nullable=False, minimum=1, maximum=5,
               description="CTCAE grade 1–5"),
        _day("onset_day", description="day of onset"),
        _day("end_day", description="day of resolution; blank = ongoing", required=True, nullable=True),
    ),
)

DOSES = Table(
    "doses",
    required=False,
    unique=("patient_id", "day"),
    description="dose changes: one row each time the daily dose is set (0 = interrupted, or stopped for good "
                "with stopped = 1)",
    columns=(
        _id(),
        _day(description="day from which this dose applies"),
        Column("dose_mg_per_day", "number", required=True, nullable=False, minimum=0, maximum=2000, unit="mg/day"),
        Column("reason", "text", required=True),
        Column("stopped", "flag",
               description="1 = the treatment is stopped for good from this day (dose 0, the patient's last dose "
                           "row); blank or 0 otherwise. Column optional: without it a final 0 whose reason says "
                           "'discontinued' or 'stopped' is read as a stop"),
    ),
)

QOL = Table(
    "qol",
    required=False,
    unique=("patient_id", "day"),
    description="EORTC QLQ-C30 v3 item responses; blank = not answered",
    columns=(
        _id(),
        _day(),
        *(Column(f"q{i}", "integer", required=True, minimum=1, maximum=4 if i <= 28 else 7,
                 description="1–4" if i <= 28 else "1–7") for i in range(1, 31)),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in
                            (PATIENTS, TUMOR_MEASUREMENTS, RESPONSES, LABS, ADVERSE_EVENTS, DOSES, QOL)}
