namespace Cltool.Trainer.Tests;

/// <summary>
/// The GPU training build's switch, proved by MSBuild evaluation: TorchSharp's CUDA package is not served to this
/// project's machines, so -p:TorchBackend=cuda can be evaluated here but never restored or built.
/// </summary>
public sealed class TorchBackendTests
{
    const string Trainer = "src/Trainer/Cltool.Trainer.csproj";

    [Theory]
    [InlineData("cpu", "TorchSharp-cpu")]
    [InlineData("cuda", "TorchSharp-cuda-linux")]
    public void Each_backend_references_its_own_TorchSharp_package_and_only_it(string backend, string package)
    {
        Script.Result result = MsBuild($"-getItem:PackageReference -p:TorchBackend={backend}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"\"Identity\": \"{package}\"", result.Output);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(result.Output, "\"Identity\": \"TorchSharp"));
    }

    [Fact]
    public void An_unknown_backend_stops_restore_naming_the_accepted_values()
    {
        Script.Result result = MsBuild("-t:CollectPackageReferences -p:TorchBackend=rocm");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("TorchBackend 'rocm' is not a backend: use -p:TorchBackend=cpu (the default) or -p:TorchBackend=cuda.", result.Output);
    }

    [Fact]
    public void The_built_assembly_says_which_backend_it_was_built_with() => Assert.Equal("cpu", Native.TorchEnvironment.Backend);

    // The test host's MSBuild variables would point the child at the host's own MSBuild: a clean environment, as a user's shell has.
    static Script.Result MsBuild(string arguments) =>
        Script.Shell($"env -u MSBUILD_EXE_PATH -u MSBuildExtensionsPath -u MSBuildSDKsPath dotnet msbuild {Trainer} -nologo -nodeReuse:false {arguments}");
}
