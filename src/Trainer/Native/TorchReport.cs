namespace Cltool.Trainer.Native;

/// <summary>What `cltool doctor` reports about libtorch. <see cref="LoadError"/> is set when libtorch failed to load.</summary>
public sealed record TorchReport(
    bool Loaded,
    string? LibTorchVersion,
    string TorchSharpVersion,
    string Backend,
    int Threads,
    string ThreadPolicy,
    string CompatibilityRepair,
    bool CudaUsable,
    string CudaReason,
    string? LoadError);
