"""Converts the TF.js graph models of @vladmandic/human and MediaPipe's short-range face
detector to ONNX, and extracts Silero VAD.

usage: convert.py HUMAN_MODELS_DIR MEDIAPIPE_WHEEL SILERO_WHEEL OUTPUT_DIR
"""
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# name in @vladmandic/human -> output file, and tf2onnx arguments. Every model takes a batch
# (first dimension free). CenterNet is cut before its in-graph top-100 decode, which works on
# one image only; our decode (processors/inference) reads its heatmaps and box sizes.
GRAPH_MODELS = {
    'blazeface': ('face-detector.onnx', ['--inputs', 'input:0[-1,256,256,3]']),
    'facemesh': ('face-landmarks.onnx', []),
    'faceres': ('face-embedding.onnx', []),
    'centernet': (
        'object-detector.onnx',
        ['--inputs', 'tower_0/images:0[-1,512,512,3]', '--outputs', 'tower_0/keypoints:0,tower_0/wh:0'],
    ),
}
# The webcam face detector (faces within ~2 m, 128x128 input): 4x less work than BlazeFace-256.
MEDIAPIPE_MEMBER = 'mediapipe/modules/face_detection/face_detection_short_range.tflite'
MEDIAPIPE_OUTPUT = 'face-detector-short-range.onnx'
SILERO_MEMBER = 'silero_vad/data/silero_vad_16k_op15.onnx'
OPSET = '17'


def patch_graph(model: dict) -> dict:
    """Adds attributes the TF.js converter drops but TensorFlow's op registry requires."""
    for node in model['modelTopology']['node']:
        attrs = node.setdefault('attr', {})
        if node['op'] in ('_FusedConv2D', 'FusedDepthwiseConv2dNative', '_FusedMatMul'):
            args = int(attrs.get('num_args', {}).get('i', '0'))
            attrs.setdefault('TArgs', {'list': {'type': ['DT_FLOAT'] * args}})
        if node['op'] == 'TopKV2':
            attrs.setdefault('index_type', {'type': 'DT_INT32'})
    return model


def free_batch_dimension(target: Path) -> None:
    """The face detectors reshape their heads to a literal batch of 1; free that dimension."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(target)
    initializers = {initializer.name: initializer for initializer in model.graph.initializer}
    for node in model.graph.node:
        shape = initializers.get(node.input[1]) if node.op_type == 'Reshape' else None
        if shape is not None:
            values = numpy_helper.to_array(shape).copy()
            if values[0] == 1:
                # -1 infers the dimension; where another one is inferred already, 0 copies the input's batch.
                values[0] = 0 if -1 in values else -1
                shape.CopyFrom(numpy_helper.from_array(values, shape.name))
    for value in [*model.graph.input, *model.graph.output]:
        value.type.tensor_type.shape.dim[0].dim_param = 'batch'
    onnx.checker.check_model(model)
    onnx.save(model, target)


def convert_graph(source_dir: Path, name: str, target: Path, arguments: list) -> None:
    with tempfile.TemporaryDirectory() as work:
        model = json.loads((source_dir / f'{name}.json').read_text())
        (Path(work) / f'{name}.json').write_text(json.dumps(patch_graph(model)))
        for group in model['weightsManifest']:
            for weights in group['paths']:
                (Path(work) / weights).write_bytes((source_dir / weights).read_bytes())
        subprocess.run(
            [sys.executable, '-m', 'tf2onnx.convert', '--tfjs', str(Path(work) / f'{name}.json'),
             '--output', str(target), '--opset', OPSET, *arguments],
            check=True,
        )
    free_batch_dimension(target)


def convert_tflite(wheel_path: Path, member: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as work, zipfile.ZipFile(wheel_path) as wheel:
        source = Path(work) / Path(member).name
        source.write_bytes(wheel.read(member))
        subprocess.run(
            [sys.executable, '-m', 'tf2onnx.convert', '--tflite', str(source), '--output', str(target), '--opset', OPSET],
            check=True,
        )
    free_batch_dimension(target)


def main() -> None:
    source_dir, mediapipe_wheel, silero_wheel, output_dir = (Path(argument) for argument in sys.argv[1:5])
    for name, (file, arguments) in GRAPH_MODELS.items():
        convert_graph(source_dir, name, output_dir / file, arguments)
    convert_tflite(mediapipe_wheel, MEDIAPIPE_MEMBER, output_dir / MEDIAPIPE_OUTPUT)
    with zipfile.ZipFile(silero_wheel) as wheel:
        (output_dir / 'voice-activity.onnx').write_bytes(wheel.read(SILERO_MEMBER))
    for file in [*(file for file, _ in GRAPH_MODELS.values()), MEDIAPIPE_OUTPUT, 'voice-activity.onnx']:
        print(file, hashlib.sha256((output_dir / file).read_bytes()).hexdigest())


if __name__ == '__main__':
    main()
