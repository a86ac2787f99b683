using Cltool.Exporter.Onnx;

namespace Cltool.Exporter;

/// <summary>How the exported weights are stored.</summary>
public enum WeightPrecision
{
    Fp32,
    /// <summary>float16 weights; input and output stay float32.</summary>
    Fp16,
    /// <summary>The chosen block linears (<see cref="Int8Layers"/>) as per-channel int8 with dynamically quantised activations (<see cref="Int8Quantization"/>).</summary>
    Int8,
}
