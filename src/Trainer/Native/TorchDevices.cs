using Cltool.Core;
using Cltool.Core.Errors;
using TorchSharp;

namespace Cltool.Trainer.Native;

/// <summary>Turns --device into a libtorch device: never silently on the CPU when CUDA was asked for.</summary>
public static class TorchDevices
{
    public static torch.Device Resolve(DeviceKind kind, Action<string> log)
    {
        bool cuda = torch.cuda.is_available();
        switch (kind)
        {
            case DeviceKind.Cuda when !cuda:
                throw new CltoolException($"--device cuda: CUDA is not usable for TorchSharp ({TorchEnvironment.Probe().CudaReason}).");
            case DeviceKind.Cuda:
            case DeviceKind.Auto when cuda:
                log("TorchSharp runs on CUDA");
                return torch.CUDA;
            case DeviceKind.Auto:
                log($"TorchSharp runs on the CPU ({torch.get_num_threads()} threads): {TorchEnvironment.Probe().CudaReason}");
                return torch.CPU;
            default:
                return torch.CPU;
        }
    }
}
