namespace Cltool.Core.Models;

/// <summary>
/// The exported model's I/O contract: one input <c>pixel_values</c> [N, C, H, W] (preprocessed as <see cref="ServingMetadata"/>
/// says) and one output <c>logits</c> [N, classes]. The exporter, the golden batches, the inference host, Triton's
/// config.pbtxt and the benchmarks all use these names.
/// </summary>
public static class ModelSignature
{
    public const string Input = "pixel_values", Output = "logits";
}
