//! The screens and their parts, one function component per file. They read
//! the chat through `use_chat` and change it only through its verbs.

pub mod app;
pub mod button;
pub mod composer;
pub mod drawer;
pub mod landing;
pub mod lobby;
pub mod member_list;
pub mod message_item;
pub mod message_list;
pub mod notices;
pub mod recent_rooms;
pub mod room_form;
pub mod room_view;
pub mod sidebar;
pub mod status_badge;
pub mod top_bar;
pub mod typing_line;

pub use app::App;
pub use composer::Composer;
pub use drawer::{Dock, Drawer};
pub use member_list::MemberList;
pub use message_item::MessageItem;
pub use message_list::MessageList;
pub use status_badge::StatusBadge;
pub use typing_line::TypingLine;
