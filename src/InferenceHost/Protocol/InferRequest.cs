namespace Cltool.InferenceHost.Protocol;

/// <summary>A parsed, validated KServe v2 infer request: the images as one float array, and what the caller asked back.</summary>
public sealed record InferRequest(string? Id, float[] Pixels, int Count, int? ClassificationTopK, bool BinaryOutput = false);
