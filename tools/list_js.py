#!/usr/bin/env python3
"""Prints every .js file under the given folder, for BUILD.gn (re-run at each gn gen)."""
import os
import sys

for dirpath, _, files in sorted(os.walk(sys.argv[1])):
    for f in sorted(files):
        if f.endswith(".js"):
            print(os.path.join(dirpath, f))
