"""Accounts: sign in and out, register (when open), invitations, password reset, the account page."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from archive import mail
from archive.auth import current_viewer, safe_next
from archive.errors import InvalidInput, TooManyAttempts, WrongCredentials
from archive.services import accounts as account_service
from archive.services import people as people_service
from archive.views.labels import ACCOUNT_ROLE_LABELS
from archive.vocabulary import CREDIT_AS

accounts = Blueprint("accounts", __name__)


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class NewPasswordMixin:
    password = PasswordField(_l("Password"), validators=[
        DataRequired(), Length(min=account_service.MIN_PASSWORD_LENGTH, max=account_service.MAX_PASSWORD_LENGTH)])
    confirm = PasswordField(_l("Password again"), validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class RegisterForm(NewPasswordMixin, FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired()])


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired()])


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired()])
    # No reviewer: reviewers are certified workers, made reviewers on the People page once certified.
    roles = SelectMultipleField(_l("Roles"), choices=[SelectChoice(code, label) for code, label in ACCOUNT_ROLE_LABELS.items()
                                                      if code != "reviewer"])
    communities = StringField(_l("Communities (identifiers, separated by commas)"))


def _form_errors_to_page(form: FlaskForm, exc: InvalidInput) -> None:
    # A service's refusal is shown on the form it came from, next to the field it names.
    for detail in exc.details or [exc.message]:
        field_name, _, message = detail.partition(": ")
        field = getattr(form, field_name, None)
        if field is not None and message:
            field.errors = [*field.errors, message]
        else:
            flash(_(exc.message), "error")
            return


def _sign_in(user, remember: bool = False) -> None:
    login_user(user, remember=remember)


@accounts.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        policy = account_service.ThrottlePolicy(current_app.config["LOGIN_MAX_FAILURES"],
                                                dt.timedelta(seconds=current_app.config["LOGIN_THROTTLE_SECONDS"]))
        try:
            user = account_service.authenticate(form.email.data, form.password.data, policy=policy)
        except (WrongCredentials, TooManyAttempts) as exc:
            flash(_(exc.message), "error")
            status = exc.status_code
        else:
            _sign_in(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("accounts.account")))
    return render_template("accounts/sign_in.html", form=form,
                           registration_open=current_app.config["REGISTRATION_OPEN"]), status


@accounts.post("/sign-out")
def sign_out():
    logout_user()
    return redirect(url_for("public.home"))


@accounts.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    account_service.sign_out_everywhere(current_viewer())
    logout_user()
    flash(_l("You are signed out on every device."), "info")
    return redirect(url_for("accounts.sign_in"))


def _account_page(password_form: ChangePasswordForm, status: int = 200, credit_errors: list[str] | None = None):
    user = current_viewer()
    credited = bool(set(user.roles or []) & people_service.CREDITED_ROLES)
    return render_template("accounts/account.html", user=user, password_form=password_form,
                           role_labels=ACCOUNT_ROLE_LABELS, credited=credited, credit_choices=CREDIT_AS,
                           credit_errors=credit_errors or []), status


@accounts.get("/account")
@login_required
def account():
    return _account_page(ChangePasswordForm())


@accounts.post("/account/credit")
@login_required
def choose_credit():
    try:
        people_service.choose_own_credit(current_viewer(), request.form.get("credit_as", ""), request.form.get("pseudonym"))
    except InvalidInput as exc:
        return _account_page(ChangePasswordForm(formdata=None), 422, [_(exc.message), *exc.details])
    flash(_l("Your choice is recorded: your credits show it everywhere now."), "info")
    return redirect(url_for("accounts.account"))


@accounts.post("/account/consent/withdraw")
@login_required
def withdraw_consent():
    people_service.withdraw_own_consent(current_viewer())
    flash(_l("Your consent is withdrawn: your name no longer appears in the archive."), "info")
    return redirect(url_for("accounts.account"))


@accounts.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = account_service.change_password(current_viewer(), form.current_password.data, form.password.data)
        except InvalidInput as exc:
            _form_errors_to_page(form, exc)
        else:
            _sign_in(user)  # this session carries on under the new generation; the others end
            flash(_l("Your password was changed; you were signed out on your other devices."), "info")
            return redirect(url_for("accounts.account"))
    return _account_page(form, 422)


@accounts.route("/register", methods=["GET", "POST"])
def register():
    if not current_app.config["REGISTRATION_OPEN"]:
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = account_service.create_user(form.email.data, form.display_name.data, form.password.data)
        except InvalidInput as exc:
            _form_errors_to_page(form, exc)
        else:
            _sign_in(user)
            return redirect(url_for("accounts.account"))
    return render_template("accounts/register.html", form=form), 422 if form.is_submitted() else 200


@accounts.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = account_service.open_invitation(token)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = account_service.accept_invitation(token, form.display_name.data, form.password.data)
        except InvalidInput as exc:
            _form_errors_to_page(form, exc)
        else:
            _sign_in(user)
            return redirect(url_for("accounts.account"))
    return render_template("accounts/invitation.html", form=form, invitation=invitation,
                           role_labels=ACCOUNT_ROLE_LABELS), 422 if form.is_submitted() else 200


@accounts.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        found = account_service.password_reset_token(form.email.data, current_app.config["SECRET_KEY"])
        if found:
            user, token = found
            link = url_for("accounts.reset_password", token=token, _external=True)
            hours = current_app.config["PASSWORD_RESET_HOURS"]
            mail.send(user.email, _l("Choose a new password"),
                      render_template("accounts/mail_reset.txt", user=user, link=link, hours=hours))
        # The same answer whether or not the address has an account: addresses are not disclosed.
        return render_template("accounts/forgot_sent.html")
    return render_template("accounts/forgot.html", form=form), 422 if form.is_submitted() else 200


@accounts.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    max_age = dt.timedelta(hours=current_app.config["PASSWORD_RESET_HOURS"])
    account_service.check_password_reset(token, current_app.config["SECRET_KEY"], max_age)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = account_service.reset_password(token, form.password.data, current_app.config["SECRET_KEY"], max_age)
        except InvalidInput as exc:
            _form_errors_to_page(form, exc)
        else:
            _sign_in(user)
            flash(_l("Your new password is set."), "info")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/reset.html", form=form), 422 if form.is_submitted() else 200


@accounts.route("/manage/invitations", methods=["GET", "POST"])
@login_required
def invitations():
    form = InviteForm()
    link = None
    status = 200
    if form.validate_on_submit():
        communities = [slug.strip() for slug in (form.communities.data or "").split(",") if slug.strip()]
        try:
            invitation, token = account_service.invite(
                current_viewer(), form.email.data, form.roles.data, communities=communities,
                lifetime=dt.timedelta(days=current_app.config["INVITATION_DAYS"]))
        except InvalidInput as exc:
            _form_errors_to_page(form, exc)
            status = 422
        else:
            link = url_for("accounts.accept_invitation", token=token, _external=True)
            mail.send(invitation.email, _l("An invitation to %(site)s", site=current_app.config["SITE_NAME"]),
                      render_template("accounts/mail_invitation.txt", invitation=invitation, link=link,
                                      inviter=current_viewer(), days=current_app.config["INVITATION_DAYS"]))
            form = InviteForm(formdata=None)
    elif form.is_submitted():
        status = 422
    pending = account_service.pending_invitations(current_viewer())
    return render_template("accounts/invitations.html", form=form, pending=pending, link=link,
                           role_labels=ACCOUNT_ROLE_LABELS), status


@accounts.post("/manage/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id: int):
    account_service.revoke_invitation(current_viewer(), invitation_id)
    return redirect(url_for("accounts.invitations"))
