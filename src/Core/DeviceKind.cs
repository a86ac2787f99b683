namespace Cltool.Core;

/// <summary>Where tensors run. <see cref="Auto"/> uses CUDA when it is usable and says so when it falls back to the CPU.</summary>
public enum DeviceKind
{
    Auto,
    Cpu,
    Cuda,
}
