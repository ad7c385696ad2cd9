// UPEL spec package golden.arith, version 0.1.0
// IR digest: sha256:6c8b9eeb3339eec9a33e48b32d7cad56ab06cd680011bdef36fbb874af1987b6 (package golden.arith with its imports)
//
// Conventions of every module in this file:
//   - one purely combinational, synthesisable Verilog-2005 module per operator;
//   - each parameter is one input bus; `result` is the returned value, `err`
//     the 16-bit UPEL error code (0 = success; when err != 0, result is
//     don't-care);
//   - bool is 1 bit, integers are two's complement at their declared width,
//     enums are their underlying integer;
//   - bit layout of records and arrays: the first field (element 0) in the
//     least significant bits, each field (element) packed at its own width,
//     no padding; nested records and arrays recursively the same way.
//
// This file holds one module per operator of the package, so Verilator's
// DECLFILENAME (module name = file name) cannot hold for it.
/* verilator lint_off DECLFILENAME */

// ----------------------------------------------------------------------------
// Operator golden.arith.mix
//   | Literal typing, checked/wrapping/saturating operators, shifts and casts.
// Requirements: G-1
// Source: arith.upel:5
// Signature: (a: u8, b: i16, s: u3) -> i32
// Bit layout of the ports (least significant first, see the file header):
//   [7:0] a: u8
//   [15:0] b: i16
//   [2:0] s: u3
//   [31:0] result: i32
//   [15:0] err: 0 = success, else the UPEL error code (result is then don't-care)
// ----------------------------------------------------------------------------
module golden_arith_mix (
  input  wire [7:0] a,  // a: u8
  input  wire [15:0] b,  // b: i16
  input  wire [2:0] s,  // s: u3
  output wire [31:0] result,  // i32; don't-care when err != 0
  output wire [15:0] err  // 0 = success, else the UPEL error code
);
  wire [7:0] w_1 = a + 8'd200;
  wire [16:0] diff_wide_2 = {{1{b[15]}}, b} - 17'd1;
  wire [15:0] x_3 = ($signed(diff_wide_2) < -17'sd32768) ? 16'd32768 : diff_wide_2[15:0];
  wire [31:0] cast_4 = {{16{x_3[15]}}, x_3};
  wire [33:0] prod_wide_5 = {{2{cast_4[31]}}, cast_4} * 34'd3;
  wire [15:0] err_6 = ($signed(prod_wide_5) < -34'sd2147483648 || $signed(prod_wide_5) > 34'sd2147483647) ? 16'd1 : 16'd0;
  wire [31:0] cast_7 = {24'd0, w_1};
  wire [32:0] sum_wide_8 = {{1{prod_wide_5[31]}}, prod_wide_5[31:0]} + {{1{cast_7[31]}}, cast_7};
  wire [15:0] err_9 = ($signed(sum_wide_8) < -33'sd2147483648 || $signed(sum_wide_8) > 33'sd2147483647) ? 16'd1 : 16'd0;
  wire [15:0] err_10 = (err_6 != 16'd0) ? err_6 : err_9;
  wire [31:0] shl_11 = sum_wide_8[31:0] << s;
  wire [31:0] shr_12 = $signed(shl_11) >>> 1'b1;
  wire [32:0] sum_wide_13 = {{1{shr_12[31]}}, shr_12} + 33'h1ffffff80;
  wire [15:0] err_14 = ($signed(sum_wide_13) < -33'sd2147483648) ? 16'd1 : 16'd0;
  wire [31:0] cast_15 = {28'd0, a[7:4]};
  wire [32:0] sum_wide_16 = {{1{sum_wide_13[31]}}, sum_wide_13[31:0]} + {{1{cast_15[31]}}, cast_15};
  wire [15:0] err_17 = ($signed(sum_wide_16) < -33'sd2147483648 || $signed(sum_wide_16) > 33'sd2147483647) ? 16'd1 : 16'd0;
  wire [15:0] err_18 = (err_14 != 16'd0) ? err_14 : err_17;
  wire [15:0] err_19 = (err_10 != 16'd0) ? err_10 : err_18;
  assign result = sum_wide_16[31:0];
  assign err = err_19;
endmodule

// ----------------------------------------------------------------------------
// Operator golden.arith.div_rem
// Source: arith.upel:13
// Signature: (a: i8, b: i8) -> i8
// Raises: 1 (overflow), 2 (div_by_zero)
// Bit layout of the ports (least significant first, see the file header):
//   [7:0] a: i8
//   [7:0] b: i8
//   [7:0] result: i8
//   [15:0] err: 0 = success, else the UPEL error code (result is then don't-care)
// ----------------------------------------------------------------------------
module golden_arith_div_rem (
  input  wire [7:0] a,  // a: i8
  input  wire [7:0] b,  // b: i8
  output wire [7:0] result,  // i8; don't-care when err != 0
  output wire [15:0] err  // 0 = success, else the UPEL error code
);
  wire [15:0] err_1 = (b == 8'd0) ? 16'd2 : 16'd0;
  wire [7:0] divisor_2 = (b == 8'd0) ? 8'd1 : b;
  wire [7:0] abs_a_3 = a[7] ? (8'd0 - a) : a;
  wire [7:0] abs_b_4 = divisor_2[7] ? (8'd0 - divisor_2) : divisor_2;
  wire [7:0] quot_mag_5 = abs_a_3 / abs_b_4;
  wire [8:0] quot_wide_6 = (a[7] ^ divisor_2[7]) ? (9'd0 - {1'b0, quot_mag_5}) : {1'b0, quot_mag_5};
  wire [15:0] err_7 = ($signed(quot_wide_6) > 9'sd127) ? 16'd1 : 16'd0;
  wire [15:0] err_8 = (err_1 != 16'd0) ? err_1 : err_7;
  wire [7:0] rem_mag_9 = abs_a_3 % abs_b_4;
  wire [7:0] rem_10 = (a[7]) ? (8'd0 - rem_mag_9) : rem_mag_9;
  wire [15:0] err_11 = (err_8 != 16'd0) ? err_8 : err_1;
  wire [8:0] sum_wide_12 = {{1{quot_wide_6[7]}}, quot_wide_6[7:0]} + {{1{rem_10[7]}}, rem_10};
  wire [15:0] err_13 = ($signed(sum_wide_12) < -9'sd128 || $signed(sum_wide_12) > 9'sd127) ? 16'd1 : 16'd0;
  wire [15:0] err_14 = (err_11 != 16'd0) ? err_11 : err_13;
  assign result = sum_wide_12[7:0];
  assign err = err_14;
endmodule

// ----------------------------------------------------------------------------
// Operator golden.arith.clamp_pct
// Source: arith.upel:19
// Signature: (x: u16) -> golden.arith.Pct (u8 in 0..=100)
// Bit layout of the ports (least significant first, see the file header):
//   [15:0] x: u16
//   [7:0] result: golden.arith.Pct (u8 in 0..=100)
//   [15:0] err: 0 = success, else the UPEL error code (result is then don't-care)
// ----------------------------------------------------------------------------
module golden_arith_clamp_pct (
  input  wire [15:0] x,  // x: u16
  output wire [7:0] result,  // golden.arith.Pct (u8 in 0..=100); don't-care when err != 0
  output wire [15:0] err  // 0 = success, else the UPEL error code
);
  wire gt_1 = x > 16'd100;
  wire [15:0] err_2 = (x > 16'd100) ? 16'd3 : 16'd0;
  wire [7:0] mux_3 = gt_1 ? 8'd100 : x[7:0];
  wire [15:0] err_4 = gt_1 ? 16'd0 : err_2;
  assign result = mux_3;
  assign err = err_4;
endmodule
