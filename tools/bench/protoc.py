"""Generator throughput: `upel gen --backend c,python` against
`protoc --cpp_out --python_out` on equivalent inputs.

The UPEL spec has N records of 10 fields and N operators (one reading each
record); the .proto has N messages of the same 10 fields (protobuf has no
operators: the UPEL side does strictly more). Each command runs in a fresh
process under /usr/bin/time -v (wall time, peak RSS), into a fresh output
directory; medians over the runs.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tools.bench.common import UPEL, BenchError, measure, median

FIELDS = [("u32", "uint32"), ("i32", "int32"), ("u64", "uint64"), ("i64", "int64"), ("bool", "bool"),
          ("u16", "uint32"), ("i16", "int32"), ("u8", "uint32"), ("u32", "uint32"), ("i64", "int64")]


def upel_spec(n: int) -> str:
    out = ['package bench.proto version "1.0.0";', ""]
    for i in range(n):
        fields = ", ".join(f"f{j}: {t}" for j, (t, _) in enumerate(FIELDS))
        out.append(f"/// Record {i}.\nrecord R{i} {{ {fields} }}")
        out.append(f"/// Operator {i}.\nfn op{i}(r: R{i}) -> u32 {{ r.f0 +% r.f8 }}\n")
    return "\n".join(out)


def proto_file(n: int) -> str:
    out = ['syntax = "proto3";', "package bench.proto;", ""]
    for i in range(n):
        out.append(f"// Record {i}.\nmessage R{i} {{")
        out += [f"  {p} f{j} = {j + 1};" for j, (_, p) in enumerate(FIELDS)]
        out.append("}\n")
    return "\n".join(out)


@dataclass
class Result:
    n: int
    runs: int
    upel_s: float
    upel_mib: float
    protoc_s: float
    protoc_mib: float

    @property
    def ratio(self) -> float:
        return self.upel_s / self.protoc_s


def bench(n: int, runs: int) -> Result:
    if shutil.which("protoc") is None:
        raise BenchError("protoc is missing: apt-get install protobuf-compiler (tools/setup.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="upel-bench-protoc-") as t:
        tmp = Path(t)
        spec = tmp / "bench" / "proto.upel"
        spec.parent.mkdir()
        spec.write_text(upel_spec(n))
        (tmp / "bench.proto").write_text(proto_file(n))
        u_t, u_m, p_t, p_m = [], [], [], []
        for r in range(runs):
            out_u, out_p = tmp / f"u{r}", tmp / f"p{r}"
            out_p.mkdir()
            m = measure([UPEL, "gen", "--backend", "c,python", "--out", str(out_u), str(spec)], cwd=tmp)
            u_t.append(m.wall_s)
            u_m.append(m.max_rss_mib)
            m = measure(["protoc", f"--cpp_out={out_p}", f"--python_out={out_p}", "bench.proto"], cwd=tmp)
            p_t.append(m.wall_s)
            p_m.append(m.max_rss_mib)
            if not any(out_u.rglob("*.c")) or not any(out_p.rglob("*.pb.cc")):
                raise BenchError("a generator wrote no output")
        return Result(n, runs, median(u_t), median(u_m), median(p_t), median(p_m))
