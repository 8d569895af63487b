//! Evaluation of compose interpolation templates and of `.env` files, in
//! Docker Compose v2's lookup order.
