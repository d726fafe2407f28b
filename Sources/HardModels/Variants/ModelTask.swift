/// What a network predicts: a class per pixel (the five HARD variants), or a class per image
/// (a variant's encoder with a classification head, for pretraining as the paper does on
/// ImageNet, §4.1). Checkpoints record it; a missing entry means segmentation.
public enum ModelTask: String, CaseIterable, Sendable, Codable {
    case segmentation
    case classification
}
