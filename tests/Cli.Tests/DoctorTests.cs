using System.Text.Json;

namespace Cltool.Cli.Tests;

public sealed class DoctorTests
{
    [Fact]
    public void Doctor_reports_libtorch_onnx_runtime_and_cuda_with_its_reason()
    {
        CltoolProcess.Result result = CltoolProcess.Run("doctor");

        Assert.True(result.ExitCode == 0, result.Output + result.Errors);
        Assert.Matches(@"ok\s+status\s+loaded: libtorch 2\.10\.0 via TorchSharp 0\.107\.0 \(cpu build\), \d+ threads", result.Output);
        Assert.Matches(@"ok\s+threads\s+\d+ intra-op threads?, OpenMP wait \w+ \(auto: other processes held \d+ % of \d+ cores at the start\)", result.Output);
        Assert.Matches(@"ok\s+compat repair\s+(applied|not needed)", result.Output);
        Assert.Matches(@"ok\s+status\s+loaded: ONNX Runtime 1\.31\.\d+", result.Output);
        Assert.Matches(@"ok\s+providers\s+.*CPUExecutionProvider", result.Output);
        // Two CUDA lines (libtorch, ONNX Runtime): each says usable, or unavailable with a reason.
        Assert.Equal(2, result.Output.Split('\n').Count(line => System.Text.RegularExpressions.Regex.IsMatch(
            line, @"CUDA\s+(usable: .+|unavailable: \S.{10,})")));
        Assert.Contains("fashion-mnist", result.Output);
        Assert.Contains("glyphs", result.Output);
        Assert.Contains("cltool is ready.", result.Output);
        Assert.DoesNotContain("onnxruntime_src", result.Errors); // native log lines are captured, not dumped
    }

    [Fact]
    public void Doctor_json_is_machine_readable_and_agrees_with_the_text_report()
    {
        CltoolProcess.Result result = CltoolProcess.Run("doctor", "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement torch = json.RootElement.GetProperty("torch");
        JsonElement ort = json.RootElement.GetProperty("onnxRuntime");
        Assert.True(torch.GetProperty("loaded").GetBoolean());
        Assert.Equal("2.10.0", torch.GetProperty("libTorchVersion").GetString());
        Assert.Equal("cpu", torch.GetProperty("backend").GetString());
        Assert.StartsWith("1.31.", ort.GetProperty("version").GetString());
        Assert.Contains("CPUExecutionProvider", ort.GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
        Assert.False(string.IsNullOrWhiteSpace(ort.GetProperty("cudaReason").GetString()));
        Assert.Equal(2, json.RootElement.GetProperty("datasets").GetArrayLength());
    }
}
