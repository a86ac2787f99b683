using Cltool.Core.Adapters.Routed;
using Cltool.Core.Continual;
using Cltool.Core.Errors;

namespace Cltool.Core.Tests;

public sealed class TrainRecipeTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void An_unknown_key_is_one_error_naming_it()
    {
        string path = _temporary.File("recipe.json");
        File.WriteAllText(path, """{ "method": "sdlora", "learningRat": 0.01 }""");

        var error = Assert.Throws<CltoolException>(() => TrainRecipe.Load(path));
        Assert.Contains("learningRat", error.Message);
    }

    [Theory]
    [InlineData("""{ "method": "lora-magic" }""", "method 'lora-magic'")]
    [InlineData("""{ "optimizer": "adam", "weightDecay": 0.1 }""", "adamw")]
    [InlineData("""{ "epochs": 0 }""", "epochs")]
    [InlineData("""{ "rank": 0 }""", "rank")]
    [InlineData("""{ "schedule": "step" }""", "schedule 'step'")]
    [InlineData("""{ "model": "vit-huge" }""", "model 'vit-huge'")]
    [InlineData("""{ "headAlign": "slca" }""", "headAlign 'slca' is not one of none, wa, ca, ca-restore")]
    [InlineData("""{ "method": "simplecil", "headAlign": "ca" }""", "method 'simplecil' has none to align")]
    [InlineData("""{ "method": "joint", "headAlign": "wa" }""", "method 'joint' has none to align")]
    [InlineData("""{ "headAlign": "ca", "headAlignCovariance": "lowrank" }""", "headAlignCovariance 'lowrank' is not one of full, diag")]
    [InlineData("""{ "headAlign": "ca", "headAlignCompensation": "sdc" }""", "headAlignCompensation 'sdc' is not one of none, mean-shift, linear")]
    [InlineData("""{ "headAlign": "wa", "headAlignCompensation": "linear" }""", "headAlign 'wa' stores none; use headAlign ca (--head-align ca)")]
    [InlineData("""{ "headAlignCompensation": "mean-shift" }""", "headAlign 'none' stores none")]
    [InlineData("""{ "method": "simplecil", "headAlignCompensation": "linear" }""", "method 'simplecil' has no head to align; use headAlignCompensation none (--drift-compensation none)")]
    [InlineData("""{ "method": "joint", "headAlignCompensation": "mean-shift" }""", "method 'joint' has no head to align")]
    [InlineData("""{ "headAlign": "ca", "headAlignCompensation": "mean-shift", "compensationBandwidth": 0 }""", "compensationBandwidth must be a positive number (a multiple of the median sample-to-mean distance), got 0")]
    [InlineData("""{ "headAlign": "ca", "headAlignCompensation": "linear", "compensationRidge": -1 }""", "compensationRidge must be a number ≥ 0")]
    [InlineData("""{ "headAlign": "ca", "compensationRidge": 1 }""", "compensationBandwidth and compensationRidge apply only with headAlignCompensation mean-shift or linear")]
    [InlineData("""{ "method": "clora", "carryMagnitudes": true }""", "carryMagnitudes applies to method sdlora, sdlora-rr, sdlora-kd only, not 'clora'; remove it or use --method sdlora")]
    [InlineData("""{ "method": "sdlora-paper", "carryMagnitudes": false }""", "carryMagnitudes applies to method sdlora, sdlora-rr, sdlora-kd only, not 'sdlora-paper'")]
    [InlineData("""{ "oldMagnitudeLrFactor": -1 }""", "oldMagnitudeLrFactor must be a number ≥ 0 (0 freezes the earlier magnitudes, 1 is SD-LoRA), got -1")]
    [InlineData("""{ "optimizer": "adam", "oldMagnitudeLrFactor": 0.5 }""", "use optimizer sgd and weightDecay 0 (got adam, 0)")]
    [InlineData("""{ "method": "sdlora-kd", "kdThreshold": -0.001 }""", "kdThreshold must be a number ≥ 0 (a relative residual; 0 absorbs only exact combinations, 1 absorbs everything), got -0.001")]
    [InlineData("""{ "method": "sdlora-kd", "kdThreshold": "tiny" }""", "'kdThreshold' must be a number.")]
    [InlineData("""{ "milestones": 5 }""", "'milestones' must be a JSON array.")]
    [InlineData("""{ "method": "sdlora-rr", "kdThreshold": 0.01 }""", "kdThreshold applies to method sdlora-kd only, not 'sdlora-rr'; remove it or use --method sdlora-kd")]
    [InlineData("""{ "method": "clora", "clora": { "basis": "pca" } }""", "clora.basis 'pca' is not one of energy, raw")]
    [InlineData("""{ "method": "clora", "clora": { "lambda": -0.5 } }""", "clora.lambda must be a number ≥ 0 (the orthogonality penalty's weight), got -0.5")]
    [InlineData("""{ "method": "clora", "clora": { "targets": "qk" } }""", "clora.targets 'qk' is not one of qv, kv")]
    [InlineData("""{ "method": "clora", "clora": { "energy": 0 } }""", "clora.energy must be in (0, 1]")]
    [InlineData("""{ "method": "clora", "clora": { "lamda": 0.1 } }""", "lamda")]
    [InlineData("""{ "method": "sdlora", "clora": { "lambda": 0.1 } }""", "clora applies to method clora only, not 'sdlora'; remove it or use --method clora")]
    public void Validation_names_the_field_and_what_was_expected(string json, string expected)
    {
        string path = _temporary.File("recipe.json");
        File.WriteAllText(path, json);

        var error = Assert.Throws<CltoolException>(() => TrainRecipe.Load(path).Validate());
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Clora_defaults_are_the_reconstructions_and_a_variant_names_only_what_differs()
    {
        CLoraSettings defaults = new TrainRecipe { Method = Methods.CLora }.Validate().EffectiveClora;

        Assert.Equal((CLoraSettings.QueryValue, CLoraSettings.EnergyBasis, 0.95, 0.01, true),
                     (defaults.Targets, defaults.Basis, defaults.Energy, defaults.Lambda, defaults.StopOldGradient));
        Assert.Equal([0, 2], defaults.RowBlocks);
        Assert.Equal([1, 2], (defaults with { Targets = CLoraSettings.KeyValue }).RowBlocks);
        Assert.Equal("", defaults.Variant());
        Assert.Equal(" (λ 0, plain)", (defaults with { Lambda = 0, StopOldGradient = false }).Variant());
    }

    [Fact]
    public void Rank_reduction_follows_the_codes_zero_indexed_schedule()
    {
        var rr = new TrainRecipe { Method = Methods.SdLoraRr };
        Assert.Equal([10, 10, 10, 10, 8, 8, 8, 8, 6, 6], Enumerable.Range(0, 10).Select(rr.RankOf));
        Assert.Equal(10, new TrainRecipe().RankOf(9));
    }

    [Fact]
    public void Multistep_decays_at_each_milestone_and_the_first_task_has_its_own_schedule()
    {
        // The official ImageNet-A config: t0 1e-2, later 5e-3, x0.05 at epochs 10 and 15.
        var recipe = new TrainRecipe
        {
            LearningRate = 5e-3,
            InitLearningRate = 1e-2,
            Milestones = [10, 15],
            LrDecay = 0.05,
            Epochs = 20,
        };
        Assert.Equal(1e-2, recipe.LearningRateAt(0, 9), 15);
        Assert.Equal(5e-4, recipe.LearningRateAt(0, 10), 15);
        Assert.Equal(2.5e-5, recipe.LearningRateAt(0, 19), 15);
        Assert.Equal(5e-3, recipe.LearningRateAt(1, 0), 15);
        Assert.Equal(1.25e-5, recipe.LearningRateAt(3, 15), 15);
        Assert.Equal(0.5 * 5e-3, (recipe with { Schedule = "cosine" }).LearningRateAt(2, 10), 15);
    }

    [Fact]
    public void Magnitudes_start_at_08_in_the_code_and_10_in_the_paper()
    {
        Assert.Equal(0.8, new TrainRecipe().EffectiveMagnitudeInit);
        Assert.Equal(1.0, new TrainRecipe { Method = Methods.SdLoraPaper }.EffectiveMagnitudeInit);
    }

    /// <summary>The official configs/mimg10_inflora.json as reference/inflora.md §4.2 gives it, on the SD-LoRA seed-1993 class order of the author's 1993.log.</summary>
    [Fact]
    public void The_inflora_imagenet_r_recipe_holds_the_official_hyperparameters()
    {
        TrainRecipe recipe = TrainRecipe.Load(Repository.File("models", "recipes", "inflora-imagenet-r-10tasks.json")).Validate();

        Assert.Equal((Methods.InfLora, 20, 20, 50, 128, "adam", 5e-4, "coda-cosine", 10), (recipe.Method, recipe.InitClasses, recipe.Increment,
            recipe.Epochs, recipe.BatchSize, recipe.Optimizer, recipe.LearningRate, recipe.Schedule, recipe.Rank));
        Assert.Equal((null, 0.98, 1.0), (recipe.EffectiveInflora.Blocks, recipe.EffectiveInflora.Threshold, recipe.EffectiveInflora.ThresholdEnd));
        Assert.Equal((1993, 0.08), (recipe.Seed, recipe.MinCropScale));
    }

    /// <summary>Issue 28's defaults: classifier alignment with the linear drift compensation won on both CPU benchmarks
    /// (docs/head-calibration.md), so the CPU recipes use it; the paper recipes keep the published method (no alignment).</summary>
    [Fact]
    public void The_cpu_recipes_align_with_linear_compensation_and_the_paper_recipes_keep_the_published_head()
    {
        foreach (string path in Directory.GetFiles(Repository.File("models", "recipes"), "*.json"))
        {
            TrainRecipe recipe = TrainRecipe.Load(path);
            bool cpu = Path.GetFileName(path).StartsWith("split-", StringComparison.Ordinal);
            Assert.Equal(cpu ? ("ca", "linear") : ("none", "none"), (recipe.HeadAlign, recipe.HeadAlignCompensation));
        }
    }

    [Fact]
    public void Every_shipped_recipe_loads_and_validates()
    {
        string[] recipes = Directory.GetFiles(Repository.File("models", "recipes"), "*.json");
        Assert.NotEmpty(recipes);
        foreach (string path in recipes) TrainRecipe.Load(path).Validate();
    }
}
