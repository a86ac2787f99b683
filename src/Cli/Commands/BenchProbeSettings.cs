using System.ComponentModel;
using Cltool.Cli.Benchmarks;
using Cltool.Cli.Infrastructure;
using Cltool.Core.Continual;
using Cltool.Core.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchProbeSettings : BenchSettings
{
    [CommandOption("-m|--model <FILE>")]
    [Description("A cltool model file to probe (its head is ignored).")]
    [DefaultValue(BuiltInModels.DefaultBase)]
    public string Model { get; init; } = BuiltInModels.DefaultBase;

    [CommandOption("--data <NAMES>")]
    [Description("Datasets whose classes the probes learn, comma-separated.")]
    [DefaultValue(TransferBenchmark.DefaultData)]
    public string Data { get; init; } = TransferBenchmark.DefaultData;

    [CommandOption("--train <N>")]
    [Description("Training images per dataset (evenly spread over the split, so every class is represented alike).")]
    [DefaultValue(10000)]
    public int TrainImages { get; init; } = 10000;

    [CommandOption("--test <N>")]
    [Description("Test images per dataset.")]
    [DefaultValue(10000)]
    public int TestImages { get; init; } = 10000;

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the randomly initialised comparison ViT.")]
    [DefaultValue(1993)]
    public int Seed { get; init; } = 1993;

    [CommandOption("--record")]
    [Description("Also record the results in the model's card (MODEL.card.json next to the model file).")]
    public bool Record { get; init; }

    public override ValidationResult Validate() => Rules.All(
        Rules.FileExists("--model", Model), Rules.Positive("--train", TrainImages), Rules.Positive("--test", TestImages),
        Rules.Requires(!Record || File.Exists(ModelCard.PathFor(Model)), $"--record needs the model's card '{ModelCard.PathFor(Model)}'."));
}
