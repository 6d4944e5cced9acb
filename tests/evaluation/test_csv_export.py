"""The CSV zip of the contract, figure by figure, for the hand-checked zone of ``conftest.py``.

Every figure below was worked out by hand before the code ran (the derivations are in the comments):
reports are placed by their own quarter end (C2 brings 2026Q1 to INC01 and Q2/Q3 to MKS02); C3's
incubation at INC01 ends exactly on the quarter end and still counts there, while its Q3 report goes to
LAB03, where it was admitted last (on that same day); C4 was admitted to MKS02 and INC01 on the same day,
so the lower code INC01 decides; stocks are the quarter's own reports (C7 has no Q3 report: 0 employees,
so its R&D staff share is undefined); ratios are taken over year-to-date sums (zone R&D intensity
93 ÷ 800 = 11.625 % → 11.63, half up); yoy of employees (28 − 34) ÷ 34 = −17.647 % → -17.65, a number.
Zone score: weights REVENUE 2, EMPLOYEES 0.5, others 1; ratios min(a ÷ e, 1.2): REVENUE 0.8/0.75,
RD_INTENSITY 1.1625, EMPLOYEES 0.56, RD_STAFF 1, STARTUPS_ADMITTED 0.625/0.75, TECH_TRANSFER_VALUE 1.2
(capped), ACTIVE_PARTNERSHIPS 1 → 100 × 7.6091666… ÷ 7.5 = 101.455… → 101.5 (A). TALENTS_HIRED has a
target of 0 (no achievement); the proposed FINANCING target does not count.
"""
from __future__ import annotations

import csv
import io
import zipfile

from incubator.evaluation import exports, services
from incubator.periods import Period

PERIOD = Period.parse("2026Q3")


def csv_files(lang: str = "zh", evaluation=None) -> dict[str, bytes]:
    evaluation = evaluation or services.live_evaluation(PERIOD)
    buffer = io.BytesIO()
    exports.write_csv_export(evaluation, buffer, lang)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def text(raw: bytes) -> str:
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM first"
    return raw[3:].decode("utf-8").replace("\r\n", "\n")


SUMMARY = """\
indicator,name,unit,kind,period_value,ytd_value,ytd_prev_year,yoy_growth_pct,target,achievement,expected,status
REVENUE,营业收入,万元,flow,370.0000,800.0000,200.0000,300.00,1000.0000,0.8000,0.7500,on_track
RD_EXPENSE,研发经费支出,万元,flow,40.0000,93.0000,20.0000,365.00,,,0.7500,
RD_INTENSITY,研发投入强度,%,ratio,10.81,11.63,10.00,16.25,10.00,1.1625,1.0000,on_track
EMPLOYEES,期末从业人员,人,stock,28,28,34,-17.65,50,0.5600,1.0000,behind
RD_STAFF,研发人员,人,stock,7,7,5,40.00,7,1.0000,1.0000,on_track
RD_STAFF_SHARE,研发人员占比,%,ratio,25.00,25.00,14.71,70.00,,,1.0000,
INVENTION_PATENTS_FILED,发明专利申请,件,flow,2,3,0,,,,0.7500,
INVENTION_PATENTS_GRANTED,发明专利授权,件,flow,1,1,0,,,,0.7500,
OTHER_IP_GRANTED,实用新型、外观设计、软件著作权授权,件,flow,2,2,0,,,,0.7500,
TECH_CONTRACT_VALUE,技术合同成交额,万元,flow,5.0000,5.0000,0.0000,,,,0.7500,
FINANCING,股权融资,万元,flow,50.0000,50.0000,0.0000,,,,0.7500,
TAX_PAID,上缴税费,万元,flow,12.3456,12.3456,0.0000,,,,0.7500,
GRADUATES_HIRED,吸纳高校毕业生,人,flow,2,2,0,,,,0.7500,
STARTUPS_ADMITTED,新入孵企业,家,flow,3,5,4,25.00,8,0.6250,0.7500,at_risk
STARTUPS_GRADUATED,毕业企业,家,flow,1,2,0,,,,0.7500,
STARTUPS_INCUBATING,在孵企业,家,stock,8,8,5,60.00,,,1.0000,
TECH_TRANSFER_DEALS,科技成果转化项目,项,flow,2,4,1,300.00,,,0.7500,
TECH_TRANSFER_VALUE,科技成果转化金额,万元,flow,80.0001,112.5001,30.0000,275.00,100.0000,1.1250,0.7500,on_track
ACTIVE_PARTNERSHIPS,有效产学研合作协议,项,stock,3,3,2,50.00,3,1.0000,1.0000,on_track
TALENTS_HIRED,订单式培养留区就业,人,flow,9,12,2,500.00,0,,0.7500,
"""

PLATFORMS = """\
platform_code,platform_name,kind,level,indicator,period_value,ytd_value,target,achievement,status
INC01,创业孵化器,incubator,national,REVENUE,340.0000,730.0000,800.0000,0.9125,on_track
INC01,创业孵化器,incubator,national,RD_EXPENSE,33.0000,82.0000,,,
INC01,创业孵化器,incubator,national,RD_INTENSITY,9.71,11.23,,,
INC01,创业孵化器,incubator,national,EMPLOYEES,19,19,,,
INC01,创业孵化器,incubator,national,RD_STAFF,5,5,,,
INC01,创业孵化器,incubator,national,RD_STAFF_SHARE,26.32,26.32,,,
INC01,创业孵化器,incubator,national,INVENTION_PATENTS_FILED,0,1,,,
INC01,创业孵化器,incubator,national,INVENTION_PATENTS_GRANTED,1,1,,,
INC01,创业孵化器,incubator,national,OTHER_IP_GRANTED,2,2,,,
INC01,创业孵化器,incubator,national,TECH_CONTRACT_VALUE,5.0000,5.0000,,,
INC01,创业孵化器,incubator,national,FINANCING,50.0000,50.0000,,,
INC01,创业孵化器,incubator,national,TAX_PAID,12.3456,12.3456,,,
INC01,创业孵化器,incubator,national,GRADUATES_HIRED,2,2,,,
INC01,创业孵化器,incubator,national,STARTUPS_ADMITTED,1,1,,,
INC01,创业孵化器,incubator,national,STARTUPS_GRADUATED,1,1,,,
INC01,创业孵化器,incubator,national,STARTUPS_INCUBATING,4,4,5,0.8000,at_risk
INC01,创业孵化器,incubator,national,TECH_TRANSFER_DEALS,1,2,,,
INC01,创业孵化器,incubator,national,TECH_TRANSFER_VALUE,80.0000,100.0000,,,
INC01,创业孵化器,incubator,national,ACTIVE_PARTNERSHIPS,1,1,,,
INC01,创业孵化器,incubator,national,TALENTS_HIRED,5,8,,,
LAB03,'@重点实验室,key_lab,provincial,REVENUE,20.0000,20.0000,,,
LAB03,'@重点实验室,key_lab,provincial,RD_EXPENSE,0.0000,0.0000,,,
LAB03,'@重点实验室,key_lab,provincial,RD_INTENSITY,0.00,0.00,,,
LAB03,'@重点实验室,key_lab,provincial,EMPLOYEES,3,3,,,
LAB03,'@重点实验室,key_lab,provincial,RD_STAFF,0,0,,,
LAB03,'@重点实验室,key_lab,provincial,RD_STAFF_SHARE,0.00,0.00,,,
LAB03,'@重点实验室,key_lab,provincial,INVENTION_PATENTS_FILED,0,0,,,
LAB03,'@重点实验室,key_lab,provincial,INVENTION_PATENTS_GRANTED,0,0,,,
LAB03,'@重点实验室,key_lab,provincial,OTHER_IP_GRANTED,0,0,,,
LAB03,'@重点实验室,key_lab,provincial,TECH_CONTRACT_VALUE,0.0000,0.0000,,,
LAB03,'@重点实验室,key_lab,provincial,FINANCING,0.0000,0.0000,,,
LAB03,'@重点实验室,key_lab,provincial,TAX_PAID,0.0000,0.0000,,,
LAB03,'@重点实验室,key_lab,provincial,GRADUATES_HIRED,0,0,,,
LAB03,'@重点实验室,key_lab,provincial,STARTUPS_ADMITTED,1,1,,,
LAB03,'@重点实验室,key_lab,provincial,STARTUPS_GRADUATED,0,0,,,
LAB03,'@重点实验室,key_lab,provincial,STARTUPS_INCUBATING,1,1,,,
LAB03,'@重点实验室,key_lab,provincial,TECH_TRANSFER_DEALS,0,0,,,
LAB03,'@重点实验室,key_lab,provincial,TECH_TRANSFER_VALUE,0.0000,0.0000,,,
LAB03,'@重点实验室,key_lab,provincial,ACTIVE_PARTNERSHIPS,0,0,,,
LAB03,'@重点实验室,key_lab,provincial,TALENTS_HIRED,0,0,,,
MKS02,众创空间,maker_space,municipal,REVENUE,0.0000,40.0000,100.0000,0.4000,behind
MKS02,众创空间,maker_space,municipal,RD_EXPENSE,7.0000,11.0000,,,
MKS02,众创空间,maker_space,municipal,RD_INTENSITY,,27.50,20.00,1.3750,on_track
MKS02,众创空间,maker_space,municipal,EMPLOYEES,6,6,,,
MKS02,众创空间,maker_space,municipal,RD_STAFF,2,2,,,
MKS02,众创空间,maker_space,municipal,RD_STAFF_SHARE,33.33,33.33,,,
MKS02,众创空间,maker_space,municipal,INVENTION_PATENTS_FILED,2,2,,,
MKS02,众创空间,maker_space,municipal,INVENTION_PATENTS_GRANTED,0,0,,,
MKS02,众创空间,maker_space,municipal,OTHER_IP_GRANTED,0,0,,,
MKS02,众创空间,maker_space,municipal,TECH_CONTRACT_VALUE,0.0000,0.0000,,,
MKS02,众创空间,maker_space,municipal,FINANCING,0.0000,0.0000,,,
MKS02,众创空间,maker_space,municipal,TAX_PAID,0.0000,0.0000,,,
MKS02,众创空间,maker_space,municipal,GRADUATES_HIRED,0,0,,,
MKS02,众创空间,maker_space,municipal,STARTUPS_ADMITTED,1,3,,,
MKS02,众创空间,maker_space,municipal,STARTUPS_GRADUATED,0,1,,,
MKS02,众创空间,maker_space,municipal,STARTUPS_INCUBATING,3,3,,,
MKS02,众创空间,maker_space,municipal,TECH_TRANSFER_DEALS,0,1,,,
MKS02,众创空间,maker_space,municipal,TECH_TRANSFER_VALUE,0.0000,12.5000,,,
MKS02,众创空间,maker_space,municipal,ACTIVE_PARTNERSHIPS,2,2,,,
MKS02,众创空间,maker_space,municipal,TALENTS_HIRED,0,0,,,
"""

COMPANIES = """\
credit_code,company_name,platform_code,indicator,period_value,ytd_value
913205000000009010,甲科技有限公司,INC01,REVENUE,300.0000,600.0000
913205000000009010,甲科技有限公司,INC01,RD_EXPENSE,33.0000,73.0000
913205000000009010,甲科技有限公司,INC01,RD_INTENSITY,11.00,12.17
913205000000009010,甲科技有限公司,INC01,EMPLOYEES,15,15
913205000000009010,甲科技有限公司,INC01,RD_STAFF,4,4
913205000000009010,甲科技有限公司,INC01,RD_STAFF_SHARE,26.67,26.67
913205000000009010,甲科技有限公司,INC01,INVENTION_PATENTS_FILED,0,1
913205000000009010,甲科技有限公司,INC01,INVENTION_PATENTS_GRANTED,1,1
913205000000009010,甲科技有限公司,INC01,OTHER_IP_GRANTED,2,2
913205000000009010,甲科技有限公司,INC01,TECH_CONTRACT_VALUE,5.0000,5.0000
913205000000009010,甲科技有限公司,INC01,FINANCING,50.0000,50.0000
913205000000009010,甲科技有限公司,INC01,TAX_PAID,12.3456,12.3456
913205000000009010,甲科技有限公司,INC01,GRADUATES_HIRED,2,2
913205000000009023,"乙, ""智能"" 公司",MKS02,REVENUE,0.0000,100.0000
913205000000009023,"乙, ""智能"" 公司",MKS02,RD_EXPENSE,7.0000,17.0000
913205000000009023,"乙, ""智能"" 公司",MKS02,RD_INTENSITY,,17.00
913205000000009023,"乙, ""智能"" 公司",MKS02,EMPLOYEES,6,6
913205000000009023,"乙, ""智能"" 公司",MKS02,RD_STAFF,2,2
913205000000009023,"乙, ""智能"" 公司",MKS02,RD_STAFF_SHARE,33.33,33.33
913205000000009023,"乙, ""智能"" 公司",MKS02,INVENTION_PATENTS_FILED,2,2
913205000000009023,"乙, ""智能"" 公司",MKS02,INVENTION_PATENTS_GRANTED,0,0
913205000000009023,"乙, ""智能"" 公司",MKS02,OTHER_IP_GRANTED,0,0
913205000000009023,"乙, ""智能"" 公司",MKS02,TECH_CONTRACT_VALUE,0.0000,0.0000
913205000000009023,"乙, ""智能"" 公司",MKS02,FINANCING,0.0000,0.0000
913205000000009023,"乙, ""智能"" 公司",MKS02,TAX_PAID,0.0000,0.0000
913205000000009023,"乙, ""智能"" 公司",MKS02,GRADUATES_HIRED,0,0
913205000000009036,丙材料,LAB03,REVENUE,20.0000,20.0000
913205000000009036,丙材料,LAB03,RD_EXPENSE,0.0000,0.0000
913205000000009036,丙材料,LAB03,RD_INTENSITY,0.00,0.00
913205000000009036,丙材料,LAB03,EMPLOYEES,3,3
913205000000009036,丙材料,LAB03,RD_STAFF,0,0
913205000000009036,丙材料,LAB03,RD_STAFF_SHARE,0.00,0.00
913205000000009036,丙材料,LAB03,INVENTION_PATENTS_FILED,0,0
913205000000009036,丙材料,LAB03,INVENTION_PATENTS_GRANTED,0,0
913205000000009036,丙材料,LAB03,OTHER_IP_GRANTED,0,0
913205000000009036,丙材料,LAB03,TECH_CONTRACT_VALUE,0.0000,0.0000
913205000000009036,丙材料,LAB03,FINANCING,0.0000,0.0000
913205000000009036,丙材料,LAB03,TAX_PAID,0.0000,0.0000
913205000000009036,丙材料,LAB03,GRADUATES_HIRED,0,0
913205000000009049,丁生物,INC01,REVENUE,40.0000,40.0000
913205000000009049,丁生物,INC01,RD_EXPENSE,0.0000,0.0000
913205000000009049,丁生物,INC01,RD_INTENSITY,0.00,0.00
913205000000009049,丁生物,INC01,EMPLOYEES,4,4
913205000000009049,丁生物,INC01,RD_STAFF,1,1
913205000000009049,丁生物,INC01,RD_STAFF_SHARE,25.00,25.00
913205000000009049,丁生物,INC01,INVENTION_PATENTS_FILED,0,0
913205000000009049,丁生物,INC01,INVENTION_PATENTS_GRANTED,0,0
913205000000009049,丁生物,INC01,OTHER_IP_GRANTED,0,0
913205000000009049,丁生物,INC01,TECH_CONTRACT_VALUE,0.0000,0.0000
913205000000009049,丁生物,INC01,FINANCING,0.0000,0.0000
913205000000009049,丁生物,INC01,TAX_PAID,0.0000,0.0000
913205000000009049,丁生物,INC01,GRADUATES_HIRED,0,0
91320500000000905C,'+戊数据,,REVENUE,10.0000,10.0000
91320500000000905C,'+戊数据,,RD_EXPENSE,0.0000,0.0000
91320500000000905C,'+戊数据,,RD_INTENSITY,0.00,0.00
91320500000000905C,'+戊数据,,EMPLOYEES,0,0
91320500000000905C,'+戊数据,,RD_STAFF,0,0
91320500000000905C,'+戊数据,,RD_STAFF_SHARE,,
91320500000000905C,'+戊数据,,INVENTION_PATENTS_FILED,0,0
91320500000000905C,'+戊数据,,INVENTION_PATENTS_GRANTED,0,0
91320500000000905C,'+戊数据,,OTHER_IP_GRANTED,0,0
91320500000000905C,'+戊数据,,TECH_CONTRACT_VALUE,0.0000,0.0000
91320500000000905C,'+戊数据,,FINANCING,0.0000,0.0000
91320500000000905C,'+戊数据,,TAX_PAID,0.0000,0.0000
91320500000000905C,'+戊数据,,GRADUATES_HIRED,0,0
91320500000000907J,'-庚信息,INC01,REVENUE,0.0000,30.0000
91320500000000907J,'-庚信息,INC01,RD_EXPENSE,0.0000,3.0000
91320500000000907J,'-庚信息,INC01,RD_INTENSITY,,10.00
91320500000000907J,'-庚信息,INC01,EMPLOYEES,0,0
91320500000000907J,'-庚信息,INC01,RD_STAFF,0,0
91320500000000907J,'-庚信息,INC01,RD_STAFF_SHARE,,
91320500000000907J,'-庚信息,INC01,INVENTION_PATENTS_FILED,0,0
91320500000000907J,'-庚信息,INC01,INVENTION_PATENTS_GRANTED,0,0
91320500000000907J,'-庚信息,INC01,OTHER_IP_GRANTED,0,0
91320500000000907J,'-庚信息,INC01,TECH_CONTRACT_VALUE,0.0000,0.0000
91320500000000907J,'-庚信息,INC01,FINANCING,0.0000,0.0000
91320500000000907J,'-庚信息,INC01,TAX_PAID,0.0000,0.0000
91320500000000907J,'-庚信息,INC01,GRADUATES_HIRED,0,0
"""

SCORES = """\
scope_type,scope_code,scope_name,score,rating
zone,ZONE,示范开发区,101.5,A
platform,INC01,创业孵化器,106.7,A
platform,LAB03,'@重点实验室,,
platform,MKS02,众创空间,75.6,C
"""

TECH_TRANSFERS = """\
reference,date,title,kind,source_credit_code,source_name,recipient_credit_code,recipient_name,value
TT-2026-001,2026-03-20,专利许可,licence,91320500000000899C,某大学,913205000000009023,"乙, ""智能"" 公司",20.0000
TT-2026-002,2026-05-10,专利转让,patent_assignment,91320500000000899C,某大学,913205000000009023,"乙, ""智能"" 公司",12.5000
TT-2026-000,2026-08-15,一元成果,licence,91320500000000899C,某大学,91320500000000905C,'+戊数据,0.0001
TT-2026-003,2026-08-15,"'=HYPERLINK(""http://evil"")",licence,91320500000000899C,某大学,913205000000009010,甲科技有限公司,80.0000
"""

DATA_QUALITY = """\
credit_code,company_name,platform_code,problem
91320500000000906F,己能源,MKS02,unverified_report
91320500000000907J,'-庚信息,INC01,missing_report
91320500000000908M,辛电子,,unverified_report
"""


def test_zip_holds_the_files_in_the_order_of_the_contract(hand_zone):
    files = csv_files()
    assert list(files) == ["summary.csv", "platforms.csv", "companies.csv", "scores.csv", "tech_transfers.csv",
                           "data_quality.csv", "anomalies.csv", "about.csv"]
    for raw in files.values():
        assert raw.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" in raw


def test_summary_every_figure(hand_zone):
    assert text(csv_files()["summary.csv"]) == SUMMARY


def test_platforms_every_figure(hand_zone):
    assert text(csv_files()["platforms.csv"]) == PLATFORMS


def test_companies_every_figure(hand_zone):
    assert text(csv_files()["companies.csv"]) == COMPANIES


def test_scores_and_ratings(hand_zone):
    assert text(csv_files()["scores.csv"]) == SCORES


def test_tech_transfers_by_date_then_reference(hand_zone):
    assert text(csv_files()["tech_transfers.csv"]) == TECH_TRANSFERS


def test_data_quality_lists_missing_and_unverified_reports(hand_zone):
    assert text(csv_files()["data_quality.csv"]) == DATA_QUALITY


def test_about_says_live_figures_are_not_published(hand_zone):
    assert text(csv_files()["about.csv"]) == (
        "key,value\nperiod,2026Q3\nzone,示范开发区\ngenerated_at,2026-10-10T09:00:00+08:00\nversion,\n"
        "published,no\n")


def test_english_changes_names_units_and_zone_but_never_codes_or_headers(hand_zone):
    files = csv_files("en")
    summary = list(csv.reader(io.StringIO(text(files["summary.csv"]))))
    assert summary[0] == SUMMARY.splitlines()[0].split(",")
    assert summary[1] == ["REVENUE", "Operating revenue", "10,000 CNY", "flow", "370.0000", "800.0000", "200.0000",
                          "300.00", "1000.0000", "0.8000", "0.7500", "on_track"]
    assert summary[9][:3] == ["OTHER_IP_GRANTED", "Utility models, designs, software copyrights granted", "items"]
    assert text(files["platforms.csv"]) == PLATFORMS  # platform names as recorded, codes untranslated
    assert text(files["companies.csv"]) == COMPANIES
    assert text(files["scores.csv"]).splitlines()[1] == "zone,ZONE,Demonstration Development Zone,101.5,A"
    assert "zone,Demonstration Development Zone" in text(files["about.csv"])


def test_quoting_only_where_needed(hand_zone):
    companies = text(csv_files()["companies.csv"]).splitlines()
    assert '913205000000009023,"乙, ""智能"" 公司",MKS02,REVENUE,0.0000,100.0000' in companies
    assert "913205000000009010,甲科技有限公司,INC01,REVENUE,300.0000,600.0000" in companies


def test_text_that_looks_like_a_formula_is_prefixed_and_numbers_are_not(hand_zone):
    files = csv_files()
    deals = list(csv.reader(io.StringIO(text(files["tech_transfers.csv"]))))
    assert deals[4][2] == "'=HYPERLINK(\"http://evil\")"
    assert deals[3][7] == "'+戊数据"
    quality = list(csv.reader(io.StringIO(text(files["data_quality.csv"]))))
    assert quality[2][1] == "'-庚信息"
    summary = list(csv.reader(io.StringIO(text(files["summary.csv"]))))
    assert summary[4][7] == "-17.65"  # a negative number stays a number
    scores = list(csv.reader(io.StringIO(text(files["scores.csv"]))))
    assert scores[3][2] == "'@重点实验室"
