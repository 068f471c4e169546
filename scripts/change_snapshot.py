"""Write a new snapshot with a 1 % change from a generated one (for
scripts/bench_update.sh and scripts/check_identical.sh): 1/300 of the rows
deleted, 1/600 with " Thị" appended to the name, 1/600 with the date of birth
15/06/1971, and 1/300 added as copies of existing rows under new ids
(NEW000000011, ...). Deterministic: the same input gives the same file.

    python3 scripts/change_snapshot.py records.parquet new-1pct.parquet
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

src, dst = sys.argv[1], sys.argv[2]
t = pq.read_table(src)
n = t.num_rows
i = np.arange(n)
keep = pa.array(i % 300 != 7)
name_edit = pa.array(i % 600 == 13)
date_edit = pa.array(i % 600 == 313)
cols = {}
for name in t.column_names:
    c = t[name]
    if name == "full_name":
        c = pc.if_else(name_edit, pc.binary_join_element_wise(c, pa.scalar(" Thị"), ""), c)
    if name == "date_of_birth":
        c = pc.if_else(date_edit, pa.scalar("15/06/1971"), c)
    cols[name] = c
edited = pa.table(cols).filter(keep)
take = np.arange(11, n, 300)
added = t.take(pa.array(take))
ids = pa.array([f"NEW{k:09d}" for k in take])
added = added.set_column(added.column_names.index("record_id"), "record_id", ids)
pq.write_table(pa.concat_tables([edited, added.cast(edited.schema)]), dst)
print(f"{n} rows -> {edited.num_rows + added.num_rows} rows", file=sys.stderr)
