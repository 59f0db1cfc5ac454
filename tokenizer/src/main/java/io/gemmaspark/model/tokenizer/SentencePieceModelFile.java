package io.gemmaspark.model.tokenizer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.gemmaspark.model.tokenizer.proto.SentencePieceModel.ModelProto;
import io.gemmaspark.model.tokenizer.proto.SentencePieceModel.NormalizerSpec;
import io.gemmaspark.model.tokenizer.proto.SentencePieceModel.TrainerSpec;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.List;

/**
 * SentencePiece {@code .model} files ({@code ModelProto}): parsing with checks that name what is wrong, and the
 * conversion to and from {@link TokenizerModel}. Fields this project does not use survive a read/write round trip.
 */
public final class SentencePieceModelFile {
    private SentencePieceModelFile() {
    }

    /** Parses and checks a {@code .model} file's bytes; {@code source} names the file in errors. */
    public static ModelProto parse(byte[] bytes, String source) {
        ModelProto proto;
        try {
            proto = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new UserError(source + ": not a SentencePiece model, or the file is truncated or corrupt ("
                    + e.getMessage() + ")", e);
        }
        if (proto.getPiecesCount() == 0) {
            throw new UserError(source + ": not a SentencePiece model (no pieces; " + bytes.length + " bytes)");
        }
        if (!proto.hasTrainerSpec() || !proto.hasNormalizerSpec()) {
            throw new UserError(source + ": the model has " + proto.getPiecesCount()
                    + " pieces but no trainer_spec or normalizer_spec: the file is truncated");
        }
        TrainerSpec trainer = proto.getTrainerSpec();
        if (trainer.hasVocabSize() && trainer.getVocabSize() != proto.getPiecesCount()) {
            throw new UserError(source + ": trainer_spec.vocab_size is " + trainer.getVocabSize() + " but the file has "
                    + proto.getPiecesCount() + " pieces: the file is truncated or corrupt");
        }
        if (trainer.getModelType() != TrainerSpec.ModelType.BPE) {
            throw new UserError(source + ": model_type " + trainer.getModelType()
                    + " is not supported; this tokenizer implements SentencePiece BPE models");
        }
        NormalizerSpec normalizer = proto.getNormalizerSpec();
        if (!normalizer.getPrecompiledCharsmap().isEmpty()) {
            throw new UserError(source + ": normalizer '" + normalizer.getName()
                    + "' uses a precompiled character map, which is not supported; train with"
                    + " --normalization_rule_name=identity (as Gemma does)");
        }
        if (trainer.getTreatWhitespaceAsSuffix()) {
            throw new UserError(source + ": treat_whitespace_as_suffix is not supported");
        }
        return proto;
    }

    /** The tokenizer a checked {@code ModelProto} describes. */
    public static Tokenizer tokenizer(ModelProto proto, String source) {
        try {
            return new Tokenizer(toModel(proto));
        } catch (IllegalArgumentException e) {
            throw new UserError(source + ": " + e.getMessage(), e);
        }
    }

    public static TokenizerModel toModel(ModelProto proto) {
        List<Piece> pieces = new ArrayList<>(proto.getPiecesCount());
        for (ModelProto.SentencePiece p : proto.getPiecesList()) {
            if (p.getPiece().isEmpty()) {
                throw new IllegalArgumentException("piece " + pieces.size() + " is empty");
            }
            pieces.add(new Piece(p.getPiece(), p.getScore(), type(p.getType())));
        }
        NormalizerSpec n = proto.getNormalizerSpec();
        Normalization normalization = new Normalization(n.getAddDummyPrefix(), n.getRemoveExtraWhitespaces(),
                n.getEscapeWhitespaces());
        TrainerSpec t = proto.getTrainerSpec();
        return new TokenizerModel(pieces, normalization, t.getByteFallback(), t.getUnkSurface(), null);
    }

    /** A {@code ModelProto} for {@code model}, with the given specs describing how it was trained. */
    public static ModelProto toProto(TokenizerModel model, TrainerSpec trainerSpec, NormalizerSpec normalizerSpec) {
        ModelProto.Builder builder = ModelProto.newBuilder();
        for (Piece piece : model.pieces()) {
            ModelProto.SentencePiece.Builder p = ModelProto.SentencePiece.newBuilder()
                    .setPiece(piece.text()).setScore(piece.score());
            if (piece.type() != PieceType.NORMAL) {
                p.setType(protoType(piece.type()));
            }
            builder.addPieces(p);
        }
        return builder.setTrainerSpec(trainerSpec).setNormalizerSpec(normalizerSpec).build();
    }

    static PieceType type(ModelProto.SentencePiece.Type type) {
        return switch (type) {
            case NORMAL -> PieceType.NORMAL;
            case UNKNOWN -> PieceType.UNKNOWN;
            case CONTROL -> PieceType.CONTROL;
            case USER_DEFINED -> PieceType.USER_DEFINED;
            case UNUSED -> PieceType.UNUSED;
            case BYTE -> PieceType.BYTE;
        };
    }

    static ModelProto.SentencePiece.Type protoType(PieceType type) {
        return switch (type) {
            case NORMAL -> ModelProto.SentencePiece.Type.NORMAL;
            case UNKNOWN -> ModelProto.SentencePiece.Type.UNKNOWN;
            case CONTROL -> ModelProto.SentencePiece.Type.CONTROL;
            case USER_DEFINED -> ModelProto.SentencePiece.Type.USER_DEFINED;
            case UNUSED -> ModelProto.SentencePiece.Type.UNUSED;
            case BYTE -> ModelProto.SentencePiece.Type.BYTE;
        };
    }
}
