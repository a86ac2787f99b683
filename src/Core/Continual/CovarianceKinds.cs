namespace Cltool.Core.Continual;

/// <summary>The shape of the stored class covariances: full d×d matrices, or their diagonals only.</summary>
public static class CovarianceKinds
{
    public const string Full = "full";
    public const string Diagonal = "diag";
    public static readonly string[] All = [Full, Diagonal];
}
