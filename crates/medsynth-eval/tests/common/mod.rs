pub mod reference_inputs;
