using Cltool.Core;
using Cltool.Core.Errors;

namespace Cltool.InferenceHost.Tests;

/// <summary>The standalone host's command line maps onto the same options as `cltool serve`, and refuses what it does not know.</summary>
public sealed class HostArgumentsTests
{
    [Fact]
    public void Every_option_reaches_the_server_options()
    {
        ServeOptions options = HostArguments.Parse([
            "--model", "m.onnx", "--name", "vit", "--urls", "http://0.0.0.0:9000", "--device", "cuda", "--max-batch", "8",
            "--max-delay-ms", "5", "--queue", "64", "--threads", "2", "--api-key", "k", "--max-body-bytes", "1000",
            "--max-image-pixels", "2000", "--timeout-ms", "300", "--watch",
        ]);

        Assert.Equal(new ServeOptions
        {
            ModelPath = "m.onnx", ModelName = "vit", Urls = "http://0.0.0.0:9000", Device = DeviceKind.Cuda, MaxBatch = 8, MaxDelayMs = 5,
            QueueCapacity = 64, Threads = 2, ApiKey = "k", MaxBodyBytes = 1000, MaxImagePixels = 2000, RequestTimeoutMs = 300, Watch = true,
        }, options);
    }

    [Theory]
    [InlineData("--modle x", "unknown option '--modle'.")]
    [InlineData("--max-batch", "--max-batch needs a value.")]
    [InlineData("--max-batch many", "--max-batch must be an integer, got 'many'.")]
    [InlineData("--device gpu", "--device must be auto, cpu or cuda, got 'gpu'.")]
    public void A_bad_command_line_is_a_usage_error_naming_the_option(string arguments, string message)
    {
        var error = Assert.Throws<CltoolException>(() => HostArguments.Parse(arguments.Split(' ')));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith(message + " usage: cltool-host --model FILE", error.Message);
    }

    [Fact]
    public void The_options_name_their_first_problem()
    {
        Assert.Equal("--model is required.", new ServeOptions().Problem());
        Assert.Equal("--model: file 'nope.onnx' does not exist.", new ServeOptions { ModelPath = "nope.onnx" }.Problem());
        Assert.Equal("model", new ServeOptions { ModelPath = "/models/model.onnx" }.Name);
    }
}
