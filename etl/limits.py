"""Every limit the importer puts on its input, in one place, each with its unit.

A self-evaluation form is a sheet of a few dozen rows; a unit's workbook is tens of kilobytes. Anything far
larger, deeper or slower than that is refused with a message before it can exhaust memory or time (a zip
bomb, a cell written at row 4,000,000,000, a sheet of millions of cells). README.md lists them for users.
"""

import datetime as _dt

MAX_UPLOAD_MB = 50  # one upload in the browser (a workbook or a .zip of many): .streamlit/config.toml maxUploadSize
MAX_FILE_MB = 20  # one workbook, on disk or unpacked from a .zip
MAX_ZIP_MEMBERS = 2000  # Excel files read from one .zip archive
MAX_ZIP_TOTAL_MB = 2048  # what the Excel files of one .zip may unpack to, together
MAX_COMPRESSION_RATIO = 100  # unpacked : packed size of one zip member (or .xlsx part) above which it is a bomb …
RATIO_FLOOR_MB = 1  # … once it unpacks to more than this (small parts of zeros compress well and are harmless)
MAX_UNCOMPRESSED_MB = 64  # the parts of one .xlsx package, unpacked, together
MAX_ROWS = 500  # rows of a form sheet that are read
MAX_FORM_SEARCH_ROWS = 5000  # rows read again when no form starts within MAX_ROWS but the sheet goes on
MAX_LIST_ROWS = 200_000  # rows of a list sheet (自评项目清单) that are read
MAX_COLS = 40  # columns of a sheet that are read
MAX_SHEET_CELLS = 5_000_000  # cells (<c> elements) in one sheet's XML that are scanned
MAX_CHECK_SECONDS = 60  # reading and checking one file (checked between steps and while scanning sheet XML)

# Largest magnitude each stored number may have (the store's DECIMAL columns; see store/migrations/).
AMOUNT_LIMIT = 10**12  # 万元 (10^16 元); sums of many stay within exact_div's integer range
POINTS_LIMIT = 10**12  # 分值, 得分, 执行率
VALUE_LIMIT = 10**28  # 指标值, 实际完成值

# Plausibility of what a form says (errors and warnings name the cell; README.md, 导入的限制).
MIN_YEAR = 2000  # the first budget year a form may be for
YEARS_AHEAD = 1  # a form may be for at most next year
MAX_EXECUTION_FACTOR = 10  # 全年执行数 above this many times 全年预算数 is refused (元 written as 万元 …)
TOTAL_TOLERANCE = 2  # points by which 总分 may differ from the sum of the rows' scores (rounded rows) unwarned
SCORE_TOLERANCE = 0.005  # points by which a row's 得分 may exceed its 分值 (rounding) before it is an error


def max_year() -> int:
    """The latest year a form may be for: next year."""
    return _dt.date.today().year + YEARS_AHEAD
