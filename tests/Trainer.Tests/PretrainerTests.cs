using Cltool.Core;
using Cltool.Core.Errors;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Core.Weights;
using Cltool.Trainer.Pretraining;

namespace Cltool.Trainer.Tests;

public sealed class PretrainerTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    static readonly PretrainRecipe Tiny = new()
    {
        Data = "glyphs:digits?train=6&test=2&size=16",
        Model = "vit-test-16",
        Epochs = 2,
        BatchSize = 20,
        WarmupEpochs = 0.5,
        Seed = 7,
    };

    static (int, double, double)[] Curve(string directory) =>
        ModelCard.Load(Path.Combine(directory, "model.card.json")).Curve!.Select(point => (point.Epoch, point.MeanLoss, point.HeldOutAccuracy)).ToArray();

    static Dictionary<string, HostTensor> Weights(string directory) => ModelFile.Load(Path.Combine(directory, "model.safetensors")).Weights;

    [Fact]
    public void A_run_writes_the_model_its_card_and_a_checkpoint()
    {
        string output = _temporary.File("run");

        ModelCard card = new Pretrainer(Tiny, output, new Recorder()).Run(resume: false, DeviceKind.Cpu);

        Assert.Equal(FileHash.Sha256(Path.Combine(output, "model.safetensors")), card.Sha256);
        Assert.Equal(10, card.ClassCount);
        Assert.Equal(20, card.HeldOutImages);
        Assert.Equal(Math.Round(card.HeldOutAccuracy * 20), card.HeldOutAccuracy * 20, 9);   // k right of the 20 held-out images
        Assert.True(File.Exists(Path.Combine(output, "checkpoint.safetensors")));
        Assert.Contains("\"sha256\"", File.ReadAllText(Path.Combine(output, "model.card.json")));
        ModelFile model = ModelFile.Load(Path.Combine(output, "model.safetensors"));
        Assert.Equal(10, model.Config.Classes);
        Assert.Equal("0 U+0030", model.Classes[0]);
        Assert.Equal(16, model.Preprocessing.ImageSize);
        Assert.Equal([(1, 60L), (2, 120L)], card.Curve!.Select(point => (point.Epoch, point.Images)));
        Assert.Equal(card.HeldOutAccuracy, card.Curve![^1].HeldOutAccuracy);
        Assert.Equal(card.Curve, ModelCard.Load(Path.Combine(output, "model.card.json")).Curve!);
    }

    [Fact]
    public void A_run_cancelled_after_an_epoch_and_resumed_ends_with_the_same_weights()
    {
        string straight = _temporary.File("straight"), interrupted = _temporary.File("interrupted");
        new Pretrainer(Tiny, straight, new Recorder()).Run(resume: false, DeviceKind.Cpu);

        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() =>
            new Pretrainer(Tiny, interrupted, new Recorder(epoch => cancel.Cancel())).Run(false, DeviceKind.Cpu, cancel.Token));
        Assert.False(File.Exists(Path.Combine(interrupted, "model.safetensors")));
        var resumed = new Recorder();
        new Pretrainer(Tiny, interrupted, resumed).Run(resume: true, DeviceKind.Cpu);

        Assert.Contains("resumed from", string.Join("\n", resumed.Lines));
        Assert.Equal(["start 1 3", "end 1"], resumed.Lines.Where(line => line.StartsWith("start") || line.StartsWith("end")));
        Assert.Equal(Curve(straight), Curve(interrupted));
        Dictionary<string, HostTensor> a = Weights(straight), b = Weights(interrupted);
        foreach ((string name, HostTensor tensor) in a)
            Assert.True(tensor.Data.AsSpan().SequenceEqual(b[name].Data), $"{name} differs after resume");
    }

    [Fact]
    public void A_finished_run_continued_to_more_epochs_equals_one_planned_that_way_and_not_one_planned_long_from_the_start()
    {
        string continued = _temporary.File("continued"), planned = _temporary.File("planned"), long_ = _temporary.File("long");
        new Pretrainer(Tiny with { Epochs = 1 }, continued, new Recorder()).Run(resume: false, DeviceKind.Cpu);
        var recorder = new Recorder();
        ModelCard card = new Pretrainer(Tiny with { Epochs = 3 }, continued, recorder).Run(resume: true, DeviceKind.Cpu);
        new Pretrainer(Tiny with { Epochs = 3, EarlierPlans = [new EarlierPlan(Epochs: 1, ContinuedAt: 1)] }, planned, new Recorder())
            .Run(resume: false, DeviceKind.Cpu);
        new Pretrainer(Tiny with { Epochs = 3 }, long_, new Recorder()).Run(resume: false, DeviceKind.Cpu);

        Assert.Contains(recorder.Lines, line => line.Contains("continuing 1 epochs of a 1-epoch plan to 3"));
        Assert.Equal(["start 1 3", "end 1", "start 2 3", "end 2"], recorder.Lines.Where(line => line.StartsWith("start") || line.StartsWith("end")));
        Assert.Equal(3, card.Curve!.Count);
        Assert.Contains("\"earlierPlans\":[{\"epochs\":1,\"continuedAt\":1}]", card.Recipe.GetRawText().Replace(" ", "").Replace("\n", ""));
        Assert.Equal(Curve(planned), Curve(continued));
        Dictionary<string, HostTensor> a = Weights(continued), b = Weights(planned), c = Weights(long_);
        foreach ((string name, HostTensor tensor) in a)
            Assert.True(tensor.Data.AsSpan().SequenceEqual(b[name].Data), $"{name} differs between the continued and the planned run");
        Assert.Contains(a, pair => !pair.Value.Data.AsSpan().SequenceEqual(c[pair.Key].Data));
    }

    [Fact]
    public void A_continuation_that_adds_no_epochs_is_refused()
    {
        string output = _temporary.File("run");
        new Pretrainer(Tiny, output, new Recorder()).Run(false, DeviceKind.Cpu);

        var error = Assert.Throws<CltoolException>(() => new Pretrainer(Tiny with { Epochs = 1 }, output, new Recorder()).Run(true, DeviceKind.Cpu));

        Assert.Contains("has 2 epochs done; --epochs 1 adds none (give more than 2)", error.Message);
    }

    [Fact]
    public void Resuming_with_another_recipe_is_refused()
    {
        string output = _temporary.File("run");
        new Pretrainer(Tiny with { Epochs = 1 }, output, new Recorder()).Run(false, DeviceKind.Cpu);

        var error = Assert.Throws<CltoolException>(() => new Pretrainer(Tiny with { Epochs = 1, Seed = 8 }, output, new Recorder()).Run(true, DeviceKind.Cpu));

        Assert.Contains("was made with another recipe", error.Message);
    }

    [Theory]
    [InlineData("{\"epochs\": 0}", "epochs must be positive, got 0")]
    [InlineData("{\"model\": \"vit-huge\"}", "model 'vit-huge' is not a preset")]
    [InlineData("{\"epochs\": 3, \"earlierPlans\": [{\"epochs\": 1, \"continuedAt\": 2}]}", "earlierPlans[0] continued at epoch 2 of a 1-epoch plan")]
    public void Invalid_recipes_fail_before_any_work(string json, string problem)
    {
        string path = _temporary.File("recipe.json");
        File.WriteAllText(path, json);

        var error = Assert.Throws<CltoolException>(() => CltoolJson.LoadStrict<PretrainRecipe>(path, "Recipe").Validate());

        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void A_recipe_with_an_unknown_key_names_it()
    {
        string path = _temporary.File("recipe.json");
        File.WriteAllText(path, "{\"epochs\": 3, \"learning_rate\": 0.1}");

        var error = Assert.Throws<CltoolException>(() => CltoolJson.LoadStrict<PretrainRecipe>(path, "Recipe"));

        Assert.Contains("learning_rate", error.Message);
    }

    [Fact]
    public void The_committed_base_model_recipe_parses_strictly()
    {
        string recipe = Repository.File("models", "vit-cpu-28-glyphs", "recipe.json");

        PretrainRecipe parsed = CltoolJson.LoadStrict<PretrainRecipe>(recipe, "Recipe").Validate();

        Assert.Equal("glyphs:pretrain?train=200&test=20", parsed.Data);
        Assert.Equal("vit-cpu-28", parsed.Model);
    }
}
