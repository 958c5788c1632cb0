#!/usr/bin/env python3
"""Embeds the runtime's JS (js/**.js) into a C++ source as a table of builtin modules.

js/internal/timers.js -> "internal:timers"; js/node/assert.js -> "node:assert"; the first
folder under js/ is the scheme. Usage: js2c.py OUT.cc JS_ROOT FILE...
"""
import os
import sys


def main():
    out, root, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    entries = []
    for f in sorted(files):
        rel = os.path.relpath(f, root).replace(os.sep, "/")
        scheme, _, name = rel.partition("/")
        if not name.endswith(".js"):
            continue
        specifier = f"{scheme}:{name[:-3]}"
        with open(f, "rb") as fh:
            data = fh.read()
        data.decode("utf-8")  # fail the build on a file that is not UTF-8
        entries.append((specifier, data))
    lines = ['#include "runtime/builtins.h"', "", "namespace dw::runtime {", "namespace {"]
    for i, (spec, data) in enumerate(entries):
        body = ",".join(str(b) for b in data)
        lines.append(f"// {spec}")
        lines.append(f"const unsigned char kSource{i}[] = {{{body},0}};")
    lines.append("const jsg::BuiltinModule kBuiltins[] = {")
    for i, (spec, data) in enumerate(entries):
        lines.append(f'  {{"{spec}", reinterpret_cast<const char*>(kSource{i}), {len(data)}}},')
    lines += ["};", "}  // namespace", "",
              "std::span<const jsg::BuiltinModule> BuiltinModules() { return kBuiltins; }",
              "", "}  // namespace dw::runtime", ""]
    tmp = out + ".tmp"
    with open(tmp, "w") as fh:
        fh.write("\n".join(lines))
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
