"""A small valid cohort written as CSV text, which tests copy and break."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

VALID_COHORT: dict[str, str] = {
    "patients.csv": (
        "patient_id,arm,age_years,sex,followup_days,death,death_day,histology,rai_uptake,cumulative_rai_gbq,"
        "met_lung,met_bone,baseline_tg_ng_ml,excluded_reason,smoking\n"
        "P01,sorafenib,54,F,400,0,,PTC,no,11.1,1,0,120.5,,never\n"
        "P02,sorafenib,67.5,M,300,1,280,FTC,yes,7.4,1,1,80,,former\n"
        "P03,sorafenib,45,F,200,0,,PTC,no,3.7,0,1,,no post-baseline imaging,never\n"
    ),
    "tumor_measurements.csv": (
        "patient_id,day,lesion_id,lesion_type,organ,nodal,diameter_mm,status\n"
        "P01,-10,T1,target,lung,0,20,\n"
        "P01,-10,N1,non_target,bone,0,,present\n"
        "P01,56,T1,target,lung,0,12,\n"
        "P01,56,N1,non_target,bone,0,,present\n"
        "P02,-5,T1,target,lymph_node,1,18,\n"
        "P02,60,T1,target,lymph_node,1,25,\n"
    ),
    "responses.csv": "patient_id,day,overall_response\nP01,56,PR\nP02,60,PD\n",
    "labs.csv": (
        "patient_id,day,analyte,value,unit\n"
        "P01,-3,tg,120.5,ng/mL\nP01,56,tg,30,µg/L\nP02,-3,tgab,2,IU/mL\n"
    ),
    "adverse_events.csv": (
        "patient_id,term,grade,onset_day,end_day\n"
        "P01,Palmar-plantar erythrodysesthesia syndrome,2,20,60\nP02,Diarrhea,3,15,\n"
    ),
    "doses.csv": "patient_id,day,dose_mg_per_day,reason\nP01,0,800,start\nP01,40,400,toxicity\n",
    "qol.csv": "patient_id,day," + ",".join(f"q{i}" for i in range(1, 31)) + "\n"
               + "P01,0," + ",".join(["2"] * 28 + ["5", "6"]) + "\n"
               + "P02,0," + ",".join(["1"] * 27 + ["", "7", "7"]) + "\n",
}


def write_cohort(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder
