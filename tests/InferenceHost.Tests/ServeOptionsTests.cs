namespace Cltool.InferenceHost.Tests;

/// <summary>The options both command lines build name their first problem, and derive the model's name from its file.</summary>
public sealed class ServeOptionsTests
{
    [Fact]
    public void The_options_name_their_first_problem()
    {
        Assert.Equal("give either --model FILE or --model-repository DIR.", new ServeOptions().Problem());
        Assert.Equal("--model: file 'nope.onnx' does not exist.", new ServeOptions { ModelPath = "nope.onnx" }.Problem());
        Assert.Equal("model", new ServeOptions { ModelPath = "/models/model.onnx" }.Name);
    }
}
