/** Codec leaf module: G.711, Ogg, Ogg Opus, libopus loader, WAV, crash-safe files. */
export * from "./g711.ts";
export * from "./ogg.ts";
export * from "./ogg_stream_writer.ts";
export * from "./opus_head.ts";
export * from "./opus_encoder.ts";
export * from "./opus_packet.ts";
export * from "./opus_ogg_writer.ts";
export * from "./opus_decode.ts";
export * from "./wav.ts";
export * from "./recording_file.ts";
