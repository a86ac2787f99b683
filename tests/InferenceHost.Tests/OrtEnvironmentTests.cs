using Cltool.InferenceHost.Runtime;

namespace Cltool.InferenceHost.Tests;

public sealed class OrtEnvironmentTests
{
    [Fact]
    public void The_probe_loads_onnx_runtime_1_31_with_its_cpu_provider()
    {
        OrtReport report = OrtEnvironment.Probe();

        Assert.True(report.Loaded, report.LoadError);
        Assert.StartsWith("1.31.", report.Version);
        Assert.Contains(OrtEnvironment.CpuProvider, report.Providers);
        Assert.Contains(OrtEnvironment.CudaProvider, report.Providers); // the GPU package compiles CUDA in
    }

    [Fact]
    public void Cuda_is_either_usable_or_unusable_with_the_specific_reason()
    {
        OrtReport report = OrtEnvironment.Probe();

        if (report.CudaUsable) Assert.StartsWith("CUDA execution provider loaded", report.CudaReason);
        else Assert.Matches(@"Failed to load library libonnxruntime_providers_cuda\.so with error: \S+\.so", report.CudaReason);
    }

    [Fact]
    public void The_reason_names_the_missing_library_without_the_long_build_path()
    {
        const string log = "/onnxruntime_src/core/session/provider_bridge_ort.cc:2043 Get() [ONNXRuntimeError] : 1 : FAIL : " +
                           "Failed to load library /very/long/bin/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so " +
                           "with error: libcublasLt.so.13: cannot open shared object file: No such file or directory";
        string reason = OrtEnvironment.Explain("[ErrorCode:Fail] Failed to load shared library", ["unrelated warning", log]);

        Assert.Equal("Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: " +
                     "cannot open shared object file: No such file or directory", reason);
    }

    [Fact]
    public void Without_a_log_line_the_exception_message_is_the_reason()
    {
        Assert.Equal("[ErrorCode:Fail] first line", OrtEnvironment.Explain("[ErrorCode:Fail] first line\nsecond line", []));
    }
}
