namespace Cltool.InferenceHost.Runtime;

/// <summary>What `cltool doctor` reports about ONNX Runtime. <see cref="LoadError"/> is set when it failed to load.</summary>
public sealed record OrtReport(bool Loaded, string? Version, IReadOnlyList<string> Providers, bool CudaUsable, string CudaReason, string? LoadError);
