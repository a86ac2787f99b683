using Cltool.Core;
using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Weights;
using Cltool.Exporter.Folding;
using Cltool.Trainer.Continual;
using Cltool.Trainer.Models;
using Cltool.Trainer.Pretraining;
using static TorchSharp.torch;

namespace Cltool.Exporter.Tests;

/// <summary>The fold against the trainer: a plain ViT with the folded weights must give the trained model's golden logits.</summary>
public sealed class CheckpointFoldingTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    sealed class Silent : ITrainingObserver
    {
        public void EpochStarted(int epoch, int epochs, int steps) { }
        public void StepFinished(int epoch, int step, int steps, double loss, double learningRate, double imagesPerSecond) { }
        public void EpochFinished(int epoch, double meanLoss, double heldOutAccuracy, double seconds) { }
        public void Message(string text) { }
    }

    string TrainTinyRun(string method)
    {
        string run = _temporary.File(method);
        var recipe = new TrainRecipe
        {
            Method = method, Base = TinyBase.Write(_temporary.File($"{method}-base.safetensors")), TrainPerClass = 16, TestPerClass = 4,
            Epochs = 1, BatchSize = 8, LearningRate = 0.05, MinCropScale = 0.8,
        };
        new ContinualLearner(recipe, run, new Silent(), workers: 1).Run(resume: false, DeviceKind.Cpu);
        return run;
    }

    [Theory]
    [InlineData(Methods.SdLora)]
    [InlineData(Methods.SdLoraPaper)]
    [InlineData(Methods.SeqLora)]
    [InlineData(Methods.FullFineTune)]
    public void A_plain_vit_with_the_folded_weights_reproduces_the_trained_models_logits(string method)
    {
        var run = new RunDirectory(TrainTinyRun(method));
        ContinualCheckpoint checkpoint = ContinualCheckpoint.Load(run.TaskCheckpoint(4));

        Dictionary<string, HostTensor> dense = CheckpointFolding.DenseWeights(checkpoint);
        using var vit = new VisionTransformer(checkpoint.Config.WithClasses(checkpoint.SeenClasses));
        vit.LoadWeights(dense);
        vit.eval();
        using var golden = SafeTensorsFile.Open(run.Golden);
        using var _ = no_grad();
        using Tensor logits = vit.forward(tensor(golden.ReadFloats("pixel_values"), golden["pixel_values"].Shape));
        float[] actual = logits.data<float>().ToArray(), expected = golden.ReadFloats("logits");

        double worst = actual.Zip(expected).Max(pair => Math.Abs(pair.First - pair.Second));
        Assert.True(worst <= 1e-4, $"max |logit difference| {worst:E2}");
        int classes = checkpoint.SeenClasses;
        for (int row = 0; row < expected.Length / classes; row++)
            Assert.Equal(ArgMax(expected.AsSpan(row * classes, classes)), ArgMax(actual.AsSpan(row * classes, classes)));
        if (method != Methods.FullFineTune)
            Assert.NotEqual(checkpoint.Backbone["blocks.0.attn.qkv.weight"].Data, dense["blocks.0.attn.qkv.weight"].Data);
    }

    [Theory]
    [InlineData(Methods.SdLora)]
    [InlineData(Methods.SimpleCil)]
    public void The_folded_onnx_graph_reproduces_the_golden_logits_in_onnx_runtime(string method)
    {
        var run = new RunDirectory(TrainTinyRun(method));
        ContinualCheckpoint checkpoint = ContinualCheckpoint.Load(run.TaskCheckpoint(4));
        byte[] onnx = Google.Protobuf.MessageExtensions.ToByteArray(
            Onnx.ViTGraph.Build(checkpoint.Config, CheckpointFolding.DenseWeights(checkpoint), checkpoint.SeenClasses, new Dictionary<string, string>()));

        using var golden = SafeTensorsFile.Open(run.Golden);
        long[] shape = golden["pixel_values"].Shape;
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        using var input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(golden.ReadFloats("pixel_values"), shape);
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var outputs = session.Run(runOptions, [Onnx.ViTGraph.Input], [input], [Onnx.ViTGraph.Output]);
        float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray(), expected = golden.ReadFloats("logits");

        Assert.Equal(expected.Length, actual.Length);
        double worst = actual.Zip(expected).Max(pair => Math.Abs(pair.First - pair.Second));
        Assert.True(worst <= 1e-4, $"max |logit difference| {worst:E2}");
    }

    [Fact]
    public void An_unknown_method_is_one_error_naming_the_known_ones()
    {
        var run = new RunDirectory(TrainTinyRun(Methods.SimpleCil));
        ContinualCheckpoint checkpoint = ContinualCheckpoint.Load(run.TaskCheckpoint(4));

        var error = Assert.Throws<CltoolException>(() => CheckpointFolding.DenseWeights(checkpoint with { Recipe = checkpoint.Recipe with { Method = "clora" } }));
        Assert.Contains("'clora'", error.Message);
        Assert.Contains("sdlora", error.Message);
    }

    static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
