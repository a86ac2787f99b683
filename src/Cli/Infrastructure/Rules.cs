using Spectre.Console;

namespace Cltool.Cli.Infrastructure;

/// <summary>Validation rules shared by the settings classes; each names the option and the value it expected.</summary>
public static class Rules
{
    public static ValidationResult Positive(string option, int value) =>
        value > 0 ? ValidationResult.Success() : ValidationResult.Error($"{option} must be a positive integer, got {value}.");

    public static ValidationResult Positive(string option, double value) =>
        value > 0 && double.IsFinite(value)
            ? ValidationResult.Success()
            : ValidationResult.Error($"{option} must be a positive number, got {value}.");

    public static ValidationResult NonNegative(string option, int value) =>
        value >= 0 ? ValidationResult.Success() : ValidationResult.Error($"{option} must be zero or more, got {value}.");

    public static ValidationResult FileExists(string option, string? path) =>
        path is null || File.Exists(path)
            ? ValidationResult.Success()
            : ValidationResult.Error($"{option}: file '{path}' does not exist.");

    public static ValidationResult PathExists(string option, string? path) =>
        path is null || File.Exists(path) || Directory.Exists(path)
            ? ValidationResult.Success()
            : ValidationResult.Error($"{option}: '{path}' does not exist.");

    public static ValidationResult Required(string option, string? value) =>
        string.IsNullOrWhiteSpace(value) ? ValidationResult.Error($"{option} is required.") : ValidationResult.Success();

    public static ValidationResult Requires(bool condition, string message) =>
        condition ? ValidationResult.Success() : ValidationResult.Error(message);

    /// <summary>An options record's own check (its first problem, or null) as a validation result.</summary>
    public static ValidationResult NoProblem(string? problem) =>
        problem is null ? ValidationResult.Success() : ValidationResult.Error(problem);

    /// <summary>The first failure, or success: settings list their rules in the order a user should fix them.</summary>
    public static ValidationResult All(params ValidationResult[] results) =>
        results.FirstOrDefault(result => !result.Successful) ?? ValidationResult.Success();
}
