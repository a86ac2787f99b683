namespace Cltool.Trainer.Adapters.Directions;

/// <summary>How a direction B·A is scaled to unit size.</summary>
public enum DirectionNorm
{
    /// <summary>‖B‖_F·‖A‖_F, as the official code (lora.py) divides.</summary>
    FactorProduct,
    /// <summary>‖B·A‖_F, as the paper (Eq. 3) writes.</summary>
    Frobenius,
}
